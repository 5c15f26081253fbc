import { policyLabel } from '../../policy/types.js';
import type { Check, Draft } from '../check.js';

export const missingLabels: Check = {
  id: 'missing-labels',
  title: 'Pods lack labels the organisation requires',
  severity: 'warning',
  help: 'Policies select pods by label; pods without the required labels (set requiredPodLabels in podwall.yaml) cannot be targeted reliably.',
  run(ctx) {
    const required = ctx.config.requiredPodLabels;
    if (required.length === 0) return [];
    const out: Draft[] = [];
    for (const pod of ctx.workloads()) {
      const missing = required.filter((k) => !(k in pod.labels));
      if (missing.length === 0) continue;
      out.push({
        object: ctx.podLabel(pod),
        location: pod.location,
        message: `${ctx.podLabel(pod)} lacks required label${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
        remedy: `add ${missing.join(', ')} to the pod template's labels`,
      });
    }
    return out;
  },
};

export const missingOwner: Check = {
  id: 'missing-owner',
  title: 'Policies without an owner',
  severity: 'info',
  help: 'Every policy should say who owns it (set ownerKey in podwall.yaml: a label or annotation key), so that stale or broken policies find their way to someone.',
  run(ctx) {
    const key = ctx.config.ownerKey;
    if (!key) return [];
    return ctx.cluster.policies
      .filter((p) => !(p.ref.namespace && ctx.exempt(p.ref.namespace)) && !(p.ref.labels && key in p.ref.labels) && !(p.ref.annotations && key in p.ref.annotations))
      .map((p) => ({
        object: policyLabel(p.ref),
        location: p.ref.location,
        message: `${policyLabel(p.ref)} has no ${key} label or annotation`,
        remedy: `add metadata.labels.${key} (or an annotation) naming the owning team`,
      }));
  },
};
