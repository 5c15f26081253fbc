/**
 * Pods that hold a Node's address. Only a host-network pod shares its node's address; the VPC CNI gives every
 * other pod an address of its own (a secondary IP or prefix of the node's ENIs, never the node's primary). A
 * snapshot where a pod holds a Node's address is stale or mixed (a pod listed after its address went back to the
 * pool, Nodes and Pods read from different clusters), and its verdicts cannot be trusted: the EKS agent allows
 * its node's address whoever holds it, so a pod with that address is let through where its policies say no.
 */
import type { Diagnostic } from '../k8s/errors.js';
import type { Address } from '../net/ip.js';
import type { Node, Pod } from './cluster.js';

/** One warning per pod (not host-network) holding an address of a Node in the input, at the pod. */
export function podsHoldingNodeAddresses(pods: readonly Pod[], nodes: readonly Node[]): Diagnostic[] {
  if (nodes.length === 0) return [];
  const key = (a: Address): string => `${a.family}:${a.value}`;
  const owner = new Map<string, Node>();
  for (const node of nodes) for (const a of node.addresses) if (!owner.has(key(a))) owner.set(key(a), node);
  const out: Diagnostic[] = [];
  for (const pod of pods) {
    if (pod.hostNetwork || pod.synthesized) continue;
    for (const ip of pod.ips) {
      const node = owner.get(key(ip));
      if (!node) continue;
      const where = node.location.line === undefined ? node.location.file : `${node.location.file}:${node.location.line}`;
      out.push({
        ...pod.location,
        severity: 'warning',
        message: `its IP ${ip.text} is an address of Node ${node.name} (${where}), and it is not a host-network pod: the VPC CNI never gives a pod its node's address, so the snapshot is stale or mixed; EKS allows a node's address whoever holds it, so verdicts about this pod may not be the cluster's (read the cluster again)`,
      });
      break;
    }
  }
  return out;
}
