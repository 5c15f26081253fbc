import type { Cursor } from '../k8s/cursor.js';
import { parseNetworkPolicy, type KindContext } from './networkpolicy.js';
import type { Policy } from './types.js';

/**
 * EKS ApplicationNetworkPolicy (networking.k8s.aws/v1alpha1): a NetworkPolicy whose egress peers may
 * also be domain names. It sits in the NetworkPolicy tier and adds up with NetworkPolicies, but EKS
 * does not default its policyTypes: without them it isolates nothing.
 */
export function parseApplicationNetworkPolicy(root: Cursor, ctx: KindContext): Policy {
  return parseNetworkPolicy(root, ctx, {
    domainNames: true,
    defaultPolicyTypes: false,
    crd: true,
    flavour: 'EKS ApplicationNetworkPolicy',
  });
}
