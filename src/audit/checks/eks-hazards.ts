/** Where the same YAML does something different on EKS than upstream. */
import { selects } from '../../engine/match.js';
import type { Check, Draft } from '../check.js';


export const eksOneDirectionIsolation: Check = {
  id: 'eks-one-direction-isolation',
  title: 'EKS allows everything in the direction a NetworkPolicy does not isolate',
  severity: 'warning',
  help: 'On EKS, a pod selected by a NetworkPolicy for one direction gets an allow-all entry for the other direction at the NetworkPolicy tier: Baseline-tier rules for that direction never apply to it, and strict mode does not deny by default there. Upstream, the Baseline tier would decide.',
  run(ctx) {
    const out: Draft[] = [];
    const strict = ctx.cluster.settings.enforcingMode === 'strict';
    for (const pod of ctx.workloads()) {
      const selecting = ctx.engine.namespacePolicies(pod.namespace).filter((p) => (p.isolates.ingress || p.isolates.egress) && selects(p.subject, pod, ctx.engine.ctx));
      if (selecting.length === 0) continue;
      for (const direction of ['ingress', 'egress'] as const) {
        if (selecting.some((p) => p.isolates[direction])) continue;
        const baseline = ctx.engine.baseline.filter((p) => p.semantics === 'priority-action' && p[direction].length > 0 && selects(p.subject, pod, ctx.engine.ctx));
        if (baseline.length === 0 && !strict) continue;
        const what = baseline.length ? `Baseline rules of ${baseline.map((p) => p.ref.name).join(', ')} never apply to its ${direction}` : `strict mode's default deny does not apply to its ${direction}`;
        out.push({
          object: ctx.podLabel(pod),
          location: pod.location,
          message: `${ctx.podLabel(pod)} is selected by ${selecting.map((p) => p.ref.name).join(', ')} for ${direction === 'ingress' ? 'egress' : 'ingress'} only; on EKS ${what}`,
          remedy: `add ${direction === 'ingress' ? 'Ingress' : 'Egress'} to the policyTypes of a policy selecting it (with the rules it needs), so the direction is decided on purpose`,
        });
      }
    }
    return out;
  },
};
