/**
 * The own-node rule of the spec data plane, in one place for every path (Engine.decide and the bulk
 * Reachability): traffic between a pod and the node it runs on is always allowed.
 *
 * "The node it runs on" is the pod's `spec.nodeName`. The other end is on that node when it is a
 * host-network pod with the same `spec.nodeName` (a Node object is not needed: the host-network pod
 * shares the node's network), or an address of the Node object of that name. A host-network pod
 * without `spec.nodeName` is placed by its address among the Node objects' addresses.
 */
import type { Pod } from '../model/cluster.js';
import type { Endpoint } from '../model/endpoint.js';
import type { MatchContext } from './match.js';

/** The name of the node an endpoint stands for (a host-network pod, a node address), if any. */
export function nodeNameOf(e: Endpoint, ctx: MatchContext): string | undefined {
  if (e.kind === 'pod') return e.pod.hostNetwork ? (e.pod.nodeName ?? ctx.nodeOf(e)?.name) : undefined;
  return ctx.nodeOf(e)?.name;
}

/** The node's name when `peer` is the node `pod` runs on; undefined otherwise. */
export function ownNode(pod: Pod, peer: Endpoint, ctx: MatchContext): string | undefined {
  if (!pod.nodeName) return undefined;
  return nodeNameOf(peer, ctx) === pod.nodeName ? pod.nodeName : undefined;
}
