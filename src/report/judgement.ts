/**
 * A judgement as a person reads it and as JSON: one pair is shown as today's verdict; several pairs
 * say how many are allowed, with the explanation of an allowed and of a denied one; a Service says
 * which backends answer, on which ports.
 */
import type { Judgement } from '../analysis/judgement.js';
import { outcomeText } from '../analysis/outcome-text.js';
import type { Comparison } from '../eks/compare.js';
import type { Verdict } from '../engine/verdict.js';
import { comparisonJson, renderComparison, type EksContext } from './dataplanes.js';
import { PLAIN, renderVerdict, type TextStyle } from './explain.js';

/** The EKS comparison behind an example verdict, when the EKS data plane decided. */
function comparisonOf(j: Judgement, v: Verdict | undefined): Comparison | undefined {
  if (!v) return undefined;
  return v === j.allowed ? j.allowedComparison : v === j.denied ? j.deniedComparison : undefined;
}

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

function pairName(v: Verdict): string {
  return `${v.from} -> ${v.to} ${v.port}/${v.protocol}`;
}

export function renderJudgement(j: Judgement, style: TextStyle = PLAIN, indent = '', eks?: EksContext): string {
  const lines: string[] = [];
  const single = j.pairs === 1 && j.decided === 1;
  const only = single ? comparisonOf(j, j.allowed ?? j.denied) : undefined;
  // one pair on EKS: the comparison's own first line (EKS verdict, with the specification's beside it)
  const comparisonLines = only && eks ? renderComparison(only, eks, style, indent).trimEnd().split('\n') : undefined;
  const title = `${indent}${head(j, style)} ${j.from} -> ${j.to} ${j.port}/${j.protocol}`;
  if (comparisonLines) {
    // the user's names in the title; the comparison's note on the data plane after it
    const first = comparisonLines[0]!;
    // when the data planes agree the title stands alone, as on the specification's data plane
    const note = first.indexOf('  (');
    lines.push(note >= 0 && !only!.agree ? title + first.slice(note) : title);
  } else lines.push(single ? title : `${title}: ${outcomeText(j)}`);
  if (!single && eks) {
    const differs = j.disagreements ? `; the Kubernetes specification differs for ${j.disagreements} of ${j.pairs} pairs` : '; the Kubernetes specification agrees';
    lines.push(`${indent}  EKS data plane: agent ${eks.agent}, compute ${eks.compute}${differs}`);
  }
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
  const example = (label: string, v: Verdict): string[] => {
    const out = [`${indent}  ${label} ${pairName(v)}:`, ...body(v, indent + '  ')];
    // on EKS, an example whose verdict differs from the specification's says why
    const c = comparisonOf(j, v);
    if (c && !c.agree) out.push(`${indent}    EKS gives ${c.eks.allowed ? 'ALLOW' : 'DENY'} here, because: ${c.mechanisms.join(', ') || 'an EKS mechanism podwall cannot name (please report)'}`);
    return out;
  };
  if (comparisonLines) {
    lines.push(...comparisonLines.slice(1));
  } else if (single) {
    lines.push(...body((j.allowed ?? j.denied)!, indent));
  } else {
    if (j.allowed) lines.push(...example(j.outcome === 'allow' ? 'for example' : 'allowed, e.g.', j.allowed));
    if (j.denied) lines.push(...example(j.outcome === 'deny' ? 'for example' : 'denied, e.g.', j.denied));
  }
  for (const w of j.warnings) lines.push(`${indent}  ${style.warn('warning:')} ${w}`);
  return lines.join('\n') + '\n';
}

/**
 * JSON: for a single pair, today's verdict fields (`allowed`, `from`, `to`, `port`, `protocol`,
 * `egress`, `ingress`, `warnings`) plus `outcome` and `pairs`; for several, `allowed` is true only when
 * every pair is, and `examples` holds an allowed and a denied pair's full verdict.
 */
export function judgementJson(j: Judgement, eks?: EksContext): Record<string, unknown> {
  const exampleJson = (v: Verdict): Record<string, unknown> => {
    const c = comparisonOf(j, v);
    return c && eks ? comparisonJson(c, eks) : { dataplane: 'kubernetes', ...v };
  };
  const common = {
    outcome: j.outcome,
    pairs: { total: j.pairs, allowed: j.allowedPairs, denied: j.pairs - j.allowedPairs, decided: j.decided },
    ...(j.service ? { service: j.service } : {}),
    ...(j.backends ? { backends: j.backends } : {}),
    notes: j.notes,
  };
  const v = j.allowed ?? j.denied;
  if (v && j.pairs === 1 && j.decided === 1) {
    return { ...exampleJson(v), from: j.from, to: j.to, port: j.port, pods: { from: v.from, to: v.to, port: v.port }, ...common, warnings: j.warnings };
  }
  return {
    allowed: j.outcome === 'allow',
    from: j.from,
    to: j.to,
    port: j.port,
    protocol: j.protocol,
    dataplane: j.dataplane,
    ...(j.dataplane === 'eks' ? { disagreements: j.disagreements } : {}),
    ...common,
    examples: { ...(j.allowed ? { allowed: exampleJson(j.allowed) } : {}), ...(j.denied ? { denied: exampleJson(j.denied) } : {}) },
    warnings: j.warnings,
  };
}
