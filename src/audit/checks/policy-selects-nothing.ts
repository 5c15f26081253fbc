import { isEmpty } from '../../engine/bitset.js';
import { policyLabel } from '../../policy/types.js';
import type { Check } from '../check.js';

export const policySelectsNothing: Check = {
  id: 'policy-selects-nothing',
  title: 'Stale policy: selects no pod',
  severity: 'warning',
  help: 'A policy whose subject selects no pod in the cluster does nothing today; it is often left over from a renamed or removed workload, and will silently start applying if a matching pod appears.',
  run(ctx) {
    return ctx.cluster.policies
      .filter((p) => !(p.ref.namespace && ctx.exempt(p.ref.namespace)) && isEmpty(ctx.classes.select(p.subject)))
      .map((p) => ({
        object: policyLabel(p.ref),
        location: p.ref.location,
        message: `${policyLabel(p.ref)} selects no pod`,
        remedy: 'delete the policy, or fix its selector to match the workload it was written for',
      }));
  },
};
