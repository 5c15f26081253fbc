import type { SideVerdict, Verdict } from '../engine/verdict.js';
import { tierLabel } from '../engine/verdict-text.js';

export interface TextStyle {
  good(s: string): string;
  bad(s: string): string;
  dim(s: string): string;
  warn(s: string): string;
}

export const PLAIN: TextStyle = { good: (s) => s, bad: (s) => s, dim: (s) => s, warn: (s) => s };

/** A verdict as a person reads it: the answer first, then each side's chain through the tiers. */
export function renderVerdict(v: Verdict, style: TextStyle = PLAIN, indent = ''): string {
  const head = v.allowed ? style.good('ALLOW') : style.bad('DENY');
  const lines = [`${indent}${head} ${v.from} -> ${v.to} ${v.port}/${v.protocol}`];
  lines.push(...renderSide(v.egress, style, indent + '  '));
  lines.push(...renderSide(v.ingress, style, indent + '  '));
  for (const w of v.warnings) lines.push(`${indent}  ${style.warn('warning:')} ${w}`);
  return lines.join('\n') + '\n';
}

function renderSide(side: SideVerdict, style: TextStyle, indent: string): string[] {
  const state = side.allowed ? style.good('allowed') : style.bad('denied');
  const lines = [`${indent}${side.direction} of ${side.subject}: ${state}`];
  side.steps.forEach((s, i) => {
    const arrow = i === 0 ? '' : '-> ';
    lines.push(`${indent}  ${arrow}[${tierLabel(s.tier)}] ${s.reason}`);
    if (s.rule) {
      lines.push(style.dim(`${indent}     ${s.rule.semantics}; ${s.rule.file}${s.rule.line !== undefined ? `:${s.rule.line}` : ''}`));
    }
    for (const d of s.details ?? []) lines.push(`${indent}     - ${d}`);
  });
  return lines;
}
