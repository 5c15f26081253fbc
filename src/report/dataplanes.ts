/**
 * A verdict on the EKS data plane, with the specification's beside it: text for people and JSON. When they
 * agree, the specification's chain of tiers and rules explains the verdict and the EKS sides name the map
 * entries that enforce it; when they differ, both verdicts are printed with the EKS mechanism that makes the
 * difference.
 */
import type { Comparison } from '../eks/compare.js';
import type { EksSide } from '../eks/decide.js';
import { MECHANISMS } from '../eks/types.js';
import { renderVerdict, type TextStyle, PLAIN } from './explain.js';

export interface EksContext {
  agent: string;
  agentSource: string;
  compute: string;
  computeSource: string;
  /** The controller release modelled, when the caller knows it. */
  controller?: string;
}

function sideText(s: EksSide): string {
  const state = s.allowed ? 'allowed' : 'denied';
  if (s.tier === 'NONE') return `${s.direction} of ${s.subject}: ${state}: ${s.reason}`;
  const parts = [`${s.direction} of ${s.subject}: ${state} [${s.tier}] maps ${s.identifier} on ${s.node}, peer ${s.peer}${s.peerIsPlaceholder ? ' (placeholder: no known IP)' : ''} port ${s.port}`];
  const what: string[] = [];
  if (s.cpEntry) what.push(`cluster-policy entry ${s.cpEntry}${s.cpSlot ? ` slot ${s.cpSlot}` : ''}`);
  if (s.entry) what.push(`entry ${s.entry}${s.slot ? ` slot ${s.slot}` : ''}`);
  if (what.length) parts.push(what.join('; '));
  parts.push(s.reason);
  const src = [...new Set(s.sources.filter((x) => x.rule >= 0).map((x) => `${x.policy} ${x.direction} rule ${x.rule}`))];
  if (src.length) parts.push(`from ${src.join(', ')}`);
  if (s.uncertain) parts.push(`uncertain: ${s.uncertain}`);
  return parts.join(': ');
}

export function renderComparison(c: Comparison, ctx: EksContext, style: TextStyle = PLAIN, indent = ''): string {
  const head = (allowed: boolean): string => (allowed ? style.good('ALLOW') : style.bad('DENY'));
  const eks = c.eks;
  const plane = `EKS data plane: agent ${ctx.agent},${ctx.controller ? ` controller ${ctx.controller},` : ''} compute ${ctx.compute}`;
  const lines: string[] = [];
  if (c.agree) {
    const spec = renderVerdict(c.kubernetes, style, indent).trimEnd().split('\n');
    lines.push(`${spec[0]}  (${plane}; the Kubernetes specification agrees)`);
    lines.push(...spec.slice(1));
    lines.push(`${indent}  ${plane}:`);
    lines.push(`${indent}    ${sideText(eks.egress)}`);
    lines.push(`${indent}    ${sideText(eks.ingress)}`);
    for (const m of c.caveats) lines.push(`${indent}  ${style.warn('caveat:')} ${m}: ${MECHANISMS[m]}`);
    return lines.join('\n') + '\n';
  }
  lines.push(`${indent}${head(eks.allowed)} ${eks.from} -> ${eks.to} ${eks.port}/${eks.protocol}  (${plane}; the Kubernetes specification says ${c.kubernetes.allowed ? 'ALLOW' : 'DENY'})`);
  lines.push(`${indent}  ${sideText(eks.egress)}`);
  lines.push(`${indent}  ${sideText(eks.ingress)}`);
  if (c.mechanisms.length) {
    lines.push(`${indent}  EKS differs from the specification because:`);
    for (const m of c.mechanisms) lines.push(`${indent}    - ${m}: ${MECHANISMS[m]}`);
  } else {
    lines.push(`${indent}  ${style.warn('warning:')} podwall cannot name the EKS mechanism behind this difference (please report)`);
  }
  lines.push(`${indent}  the Kubernetes specification:`);
  lines.push(renderVerdict(c.kubernetes, style, `${indent}    `).trimEnd());
  return lines.join('\n') + '\n';
}

/** JSON: `allowed` is the EKS verdict; egress/ingress keep the specification's chain; `eks` holds the map lookups. */
export function comparisonJson(c: Comparison, ctx: EksContext): Record<string, unknown> {
  return {
    dataplane: 'eks',
    ...c.kubernetes,
    allowed: c.eks.allowed,
    eks: { agent: ctx.agent, agentSource: ctx.agentSource, ...(ctx.controller ? { controller: ctx.controller } : {}), compute: ctx.compute, computeSource: ctx.computeSource, allowed: c.eks.allowed, egress: c.eks.egress, ingress: c.eks.ingress },
    kubernetes: { allowed: c.kubernetes.allowed },
    agree: c.agree,
    mechanisms: c.mechanisms.map((id) => ({ id, description: MECHANISMS[id] })),
    ...(c.caveats.length ? { caveats: c.caveats.map((id) => ({ id, description: MECHANISMS[id] })) } : {}),
  };
}
