import type { Check, Draft } from '../check.js';

export const podsUnprotected: Check = {
  id: 'pods-unprotected',
  title: 'Workloads no policy protects',
  severity: 'warning',
  help: 'Pods that no policy of any tier selects for a direction accept (or send) anything in that direction.',
  run(ctx) {
    const out: Draft[] = [];
    for (const pod of ctx.workloads()) {
      const open = (['ingress', 'egress'] as const).filter((d) => !ctx.isolated(pod, d));
      if (open.length === 0) continue;
      out.push({
        object: ctx.podLabel(pod),
        location: pod.location,
        message: `${ctx.podLabel(pod)} is isolated by no policy for ${open.join(' or ')}: it accepts or sends anything there`,
        remedy: `select it with a NetworkPolicy for ${open.join(' and ')} (a namespace default-deny does it for every pod)`,
      });
    }
    return out;
  },
};
