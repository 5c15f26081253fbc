import { objectLabel } from '../../k8s/errors.js';
import type { Check, Draft } from '../check.js';
import { defaultDenyYaml } from '../fixes.js';

export const namespaceWithoutDefaultDeny: Check = {
  id: 'namespace-without-default-deny',
  title: 'Namespace not under default-deny',
  severity: 'warning',
  help: 'A namespace is under default-deny for a direction when a new, unlabelled pod in it would be denied traffic with a pod of an unknown namespace (for egress, also with an Internet address). A deny from any tier counts: a NetworkPolicy selecting every pod, an Admin or Baseline Deny, or strict enforcing mode.',
  run(ctx) {
    const out: Draft[] = [];
    for (const n of ctx.namespaces()) {
      for (const direction of ['ingress', 'egress'] as const) {
        if (ctx.defaultDeny(n.name, direction)) continue;
        const type = direction === 'ingress' ? 'Ingress' : 'Egress';
        out.push({
          object: objectLabel('Namespace', n.name),
          ...(n.location ? { location: n.location } : {}),
          message: `namespace ${n.name} is not default-deny for ${direction}: a new pod there would ${direction === 'ingress' ? 'accept connections from' : 'connect to'} anything no policy mentions`,
          remedy: `add a NetworkPolicy selecting every pod in ${n.name} with policyTypes [${type}], or a cluster-tier Deny covering the namespace`,
          fix: defaultDenyYaml(n.name, [type]),
        });
      }
    }
    return out;
  },
};
