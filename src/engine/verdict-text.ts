/**
 * A verdict in words: the label of a tier, a step, the chain of steps of one side, and the one line
 * that says why. Explanations, flow attributions, incident causes, diffs and assertions all quote it.
 */
import type { SideVerdict, Step, StepTier, Verdict } from './verdict.js';

const TIER_LABEL: Record<StepTier, string> = {
  admin: 'Admin',
  namespace: 'NetworkPolicy',
  baseline: 'Baseline',
  default: 'Default',
  none: 'No policy',
};

export function tierLabel(t: StepTier): string {
  return TIER_LABEL[t];
}

export function stepText(s: Step): string {
  return `[${TIER_LABEL[s.tier]}] ${s.reason}`;
}

/** `[Admin] Pass ... -> [NetworkPolicy] allowed by ...` */
export function chain(side: SideVerdict): string {
  return side.steps.map(stepText).join(' -> ');
}

/** One line that says why: the side that denied, or both sides when allowed. */
export function summarize(v: Verdict): string {
  if (!v.egress.allowed) return `egress of ${v.egress.subject} denied: ${chain(v.egress)}`;
  if (!v.ingress.allowed) return `ingress of ${v.ingress.subject} denied: ${chain(v.ingress)}`;
  return `egress: ${chain(v.egress)}; ingress: ${chain(v.ingress)}`;
}
