import type { Check } from '../check.js';

const FIX = `# aws eks update-addon --cluster-name CLUSTER --addon-name vpc-cni \\
#   --configuration-values '{"enableNetworkPolicy": "true"}'
enableNetworkPolicy: "true"`;

export const enforcementDisabled: Check = {
  id: 'enforcement-disabled',
  title: 'Network policy enforcement is switched off',
  severity: 'error',
  cis: ['5.4.4', '4.3.1'],
  help: 'The Amazon VPC CNI enforces network policies only when its add-on configuration sets enableNetworkPolicy to "true" (EKS Auto Mode: enable-network-policy-controller in the amazon-vpc-cni ConfigMap). Until then every policy is only text.',
  run(ctx) {
    return ctx.enforcement
      .filter((e) => e.enabled === false)
      .map((e) => ({
        object: e.source,
        ...(e.location ? { location: e.location } : {}),
        message: `network policies are not enforced: ${e.detail}`,
        remedy: 'enable network policy in the VPC CNI add-on configuration (enableNetworkPolicy: "true"), or set enable-network-policy-controller: "true" in EKS Auto Mode',
        fix: FIX,
      }));
  },
};
