/**
 * Whether the set of policy objects changed since the last look, judged as the incident timeline
 * judges it (content but metadata and status): what `watch` counts as policy changes, with or
 * without a flow source to check them against.
 */
import type { SourceObject } from '../model/build.js';
import { policyObject } from './policy-objects.js';

export class PolicySetTracker {
  private digests: Map<string, string> | undefined;
  /** Looks that found a change (the first look is the baseline, not a change). */
  changes = 0;

  /** Returns how many policy objects were added, removed or modified since the last look. */
  update(objects: readonly SourceObject[]): number {
    const next = new Map<string, string>();
    for (const o of objects) {
      const p = policyObject(o);
      if (p) next.set(p.key, p.digest);
    }
    const prev = this.digests;
    this.digests = next;
    if (!prev) return 0;
    let changed = 0;
    for (const [k, d] of next) if (prev.get(k) !== d) changed++;
    for (const k of prev.keys()) if (!next.has(k)) changed++;
    if (changed) this.changes++;
    return changed;
  }
}
