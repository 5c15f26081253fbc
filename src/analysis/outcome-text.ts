/**
 * A judgement's outcome in words ("allowed for 3 of 4 pod pairs"): the reason an assertion gives,
 * and the title of a judgement as a person reads it.
 */
import type { Judgement } from './judgement.js';

export function outcomeText(j: Judgement): string {
  if (j.outcome === 'none') return 'no pod answers';
  if (j.pairs === 1) return j.outcome === 'allow' ? 'allowed' : 'denied';
  const unit = j.podPairs ? 'pod pairs' : 'pairs';
  if (j.outcome === 'allow') return `allowed for all ${j.pairs} ${unit}`;
  if (j.outcome === 'deny') return `denied for all ${j.pairs} ${unit}`;
  return `allowed for ${j.allowedPairs} of ${j.pairs} ${unit}`;
}
