import { objectLabel } from '../../k8s/errors.js';
import type { Check } from '../check.js';
import { defaultDenyYaml } from '../fixes.js';

export const namespaceWithoutPolicy: Check = {
  id: 'namespace-without-policy',
  title: 'Namespace without a NetworkPolicy',
  severity: 'warning',
  cis: ['4.3.2'],
  help: 'CIS Amazon EKS Benchmark 4.3.2: every namespace should have network policies defined. A namespace without one is a flat network for its pods.',
  run(ctx) {
    const withPolicy = new Set(ctx.cluster.policies.filter((p) => p.tier === 'namespace').map((p) => p.ref.namespace));
    return ctx
      .namespaces()
      .filter((n) => !withPolicy.has(n.name))
      .map((n) => ({
        object: objectLabel('Namespace', n.name),
        ...(n.location ? { location: n.location } : {}),
        message: `namespace ${n.name} has no NetworkPolicy: its pods accept and send anything the cluster tiers allow`,
        remedy: `add a default-deny NetworkPolicy to ${n.name}, then allow what its workloads need`,
        fix: defaultDenyYaml(n.name, ['Ingress', 'Egress']),
      }));
  },
};
