import type { Address } from '../net/ip.js';
import type { Node, Pod } from './cluster.js';
import type { Protocol } from '../net/protocol.js';

/**
 * One end of a connection: a pod (host-network pods included: they stand for their node), or an
 * endpoint outside the pod network known by address, by domain name, or both.
 */
export type Endpoint =
  | { kind: 'pod'; pod: Pod }
  | { kind: 'external'; address?: Address; domain?: string; node?: Node };

export interface Connection {
  from: Endpoint;
  to: Endpoint;
  port: number;
  protocol: Protocol;
  /**
   * The Service address and port the client dialled, before kube-proxy translation; `to` and
   * `port` are then the backing pod and its target port. The spec engine ignores it.
   */
  service?: { namespace: string; name: string; address?: Address; port: number; protocol: Protocol };
}

export function describeEndpoint(e: Endpoint): string {
  if (e.kind === 'pod') return `${e.pod.namespace}/${e.pod.name}${e.pod.hostNetwork ? ' (host network)' : ''}`;
  if (e.node) return `node ${e.node.name} (${e.address?.text ?? '?'})`;
  if (e.domain && e.address) return `${e.domain}@${e.address.text}`;
  return e.domain ?? e.address?.text ?? '?';
}

/** Pods that policies can select: host-network pods share the node's network namespace and cannot be. */
export function isPolicyPod(e: Endpoint): e is { kind: 'pod'; pod: Pod } {
  return e.kind === 'pod' && !e.pod.hostNetwork;
}
