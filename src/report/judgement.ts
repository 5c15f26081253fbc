/**
 * A judgement as a person reads it and as JSON: one pair is shown as today's verdict; several pairs
 * say how many are allowed, with the explanation of an allowed and of a denied one; a Service says
 * which backends answer, on which ports.
 */
import type { Judgement } from '../analysis/judgement.js';
import type { Verdict } from '../engine/verdict.js';
import { PLAIN, renderVerdict, type TextStyle } from './explain.js';

function head(j: Judgement, style: TextStyle): string {
  switch (j.outcome) {
    case 'allow':
      return style.good('ALLOW');
    case 'deny':
      return style.bad('DENY');
    case 'mixed':
      return style.warn('PARTIAL');
    case 'none':
      return style.warn('NO ENDPOINTS');
  }
}

export function outcomeText(j: Judgement): string {
  if (j.outcome === 'none') return 'no pod answers';
  if (j.pairs === 1) return j.outcome === 'allow' ? 'allowed' : 'denied';
  const unit = j.podPairs ? 'pod pairs' : 'pairs';
  if (j.outcome === 'allow') return `allowed for all ${j.pairs} ${unit}`;
  if (j.outcome === 'deny') return `denied for all ${j.pairs} ${unit}`;
  return `allowed for ${j.allowedPairs} of ${j.pairs} ${unit}`;
}

function pairName(v: Verdict): string {
  return `${v.from} -> ${v.to} ${v.port}/${v.protocol}`;
}

export function renderJudgement(j: Judgement, style: TextStyle = PLAIN, indent = ''): string {
  const lines: string[] = [];
  const single = j.pairs === 1 && j.decided === 1;
  const title = `${indent}${head(j, style)} ${j.from} -> ${j.to} ${j.port}/${j.protocol}`;
  lines.push(single ? title : `${title}: ${outcomeText(j)}`);
  if (j.service) {
    const s = j.service;
    const kind = s.headless ? 'headless Service' : `${s.type}${s.address ? ` ${s.address}` : ''}`;
    const port = s.servicePort ? `, port ${s.servicePort}` : '';
    lines.push(`${indent}  Service ${s.namespace}/${s.name} (${kind}${port}), ${s.externalName ? `external name ${s.externalName}` : s.selector === 'no selector' ? 'no selector' : `selector ${s.selector}`}`);
    for (const b of j.backends ?? []) {
      const state = b.note ? b.note : b.pairs === 0 ? 'no pod pair' : b.allowedPairs === b.pairs ? style.good('allowed') : b.allowedPairs === 0 ? style.bad('denied') : style.warn(`allowed for ${b.allowedPairs} of ${b.pairs} pod pairs`);
      lines.push(`${indent}    backend ${b.workload}: ${b.pods} pod${b.pods === 1 ? '' : 's'}${b.port !== undefined ? ` on ${b.port}/${j.protocol}` : ''}: ${state}`);
    }
  }
  for (const n of j.notes) lines.push(`${indent}  note: ${n}`);
  const body = (v: Verdict, ind: string): string[] => renderVerdict(v, style, ind).trimEnd().split('\n').slice(1).filter((l) => !l.trimStart().startsWith('warning:'));
  if (single) {
    lines.push(...body((j.allowed ?? j.denied)!, indent));
  } else {
    if (j.allowed) {
      lines.push(`${indent}  ${j.outcome === 'allow' ? 'for example' : 'allowed, e.g.'} ${pairName(j.allowed)}:`);
      lines.push(...body(j.allowed, indent + '  '));
    }
    if (j.denied) {
      lines.push(`${indent}  ${j.outcome === 'deny' ? 'for example' : 'denied, e.g.'} ${pairName(j.denied)}:`);
      lines.push(...body(j.denied, indent + '  '));
    }
  }
  for (const w of j.warnings) lines.push(`${indent}  ${style.warn('warning:')} ${w}`);
  return lines.join('\n') + '\n';
}

/**
 * JSON: for a single pair, today's verdict fields (`allowed`, `from`, `to`, `port`, `protocol`,
 * `egress`, `ingress`, `warnings`) plus `outcome` and `pairs`; for several, `allowed` is true only when
 * every pair is, and `examples` holds an allowed and a denied pair's full verdict.
 */
export function judgementJson(j: Judgement): Record<string, unknown> {
  const common = {
    outcome: j.outcome,
    pairs: { total: j.pairs, allowed: j.allowedPairs, denied: j.pairs - j.allowedPairs, decided: j.decided },
    ...(j.service ? { service: j.service } : {}),
    ...(j.backends ? { backends: j.backends } : {}),
    notes: j.notes,
  };
  const v = j.allowed ?? j.denied;
  if (v && j.pairs === 1 && j.decided === 1) {
    return { ...v, from: j.from, to: j.to, port: j.port, pods: { from: v.from, to: v.to, port: v.port }, ...common, warnings: j.warnings };
  }
  return {
    allowed: j.outcome === 'allow',
    from: j.from,
    to: j.to,
    port: j.port,
    protocol: j.protocol,
    ...common,
    examples: { ...(j.allowed ? { allowed: j.allowed } : {}), ...(j.denied ? { denied: j.denied } : {}) },
    warnings: j.warnings,
  };
}
