/**
 * Live clusters only: the PolicyEndpoints the EKS controller wrote against the ones podwall expects (src/eks/drift.ts,
 * the same comparison `podwall eks drift` prints). One finding per policy and kind of drift.
 */
import { DRIFT_KINDS, type DriftItem } from '../../eks/drift.js';
import type { Check, Draft } from '../check.js';

export const eksDrift: Check = {
  id: 'eks-drift',
  title: 'The EKS controller\'s PolicyEndpoints differ from the policies (live clusters)',
  severity: 'warning',
  help: 'Read from a live cluster: policies the controller has not reconciled (no PolicyEndpoints: not enforced), PolicyEndpoints whose policy is gone (still enforced), and pod addresses, entries or ports that differ from what the policies mean (stale endpoints). `podwall eks drift` lists every difference.',
  run(ctx) {
    const drift = ctx.eksDrift;
    if (!drift) return [];
    const groups = new Map<string, DriftItem[]>();
    for (const i of drift.items) (groups.get(`${i.policy}\u0000${i.kind}`) ?? groups.set(`${i.policy}\u0000${i.kind}`, []).get(`${i.policy}\u0000${i.kind}`)!).push(i);
    const out: Draft[] = [];
    for (const list of groups.values()) {
      const first = list[0]!;
      out.push({
        object: first.policy,
        ...(first.location ? { location: first.location } : {}),
        message: `${first.kind}: ${first.detail}${list.length > 1 ? ` (and ${list.length - 1} more)` : ''}; ${DRIFT_KINDS[first.kind]}`,
        remedy: first.kind === 'orphaned' ? `delete the leftover objects (${first.objects.join(', ')}) after checking the policy is really gone; podwall eks drift lists every difference` : 'check the network policy controller (its log, its version) and re-apply the policy if it stays behind; podwall eks drift lists every difference',
        severity: first.kind === 'not-reconciled' || first.kind === 'orphaned' ? 'error' : 'warning',
      });
    }
    return out;
  },
};
