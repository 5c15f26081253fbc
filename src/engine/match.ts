/**
 * Does a peer or a port of a rule match the other end of a connection? Each test has a boolean
 * form for deciding and a "why not" form for explanations.
 */
import { describeRequirement, describeSelector, firstFailure, matches } from '../k8s/labels.js';
import type { Cluster, Namespace, Node, Pod } from '../model/cluster.js';
import type { Protocol } from '../net/protocol.js';
import type { Endpoint } from '../model/endpoint.js';
import { cidrContains, type Address } from '../net/ip.js';
import { domainMatches } from '../policy/domains.js';
import type { NamespaceMatch, Peer, PodSelection, PortMatch } from '../policy/types.js';

export interface MatchContext {
  namespaces: ReadonlyMap<string, Namespace>;
  nodeOf(e: Endpoint): Node | undefined;
}

export function makeMatchContext(cluster: Cluster): MatchContext {
  const byName = new Map(cluster.nodes.map((n) => [n.name, n]));
  const byAddress = new Map<string, Node>();
  for (const n of cluster.nodes) for (const a of n.addresses) byAddress.set(`${a.family}:${a.value}`, n);
  return {
    namespaces: cluster.namespaces,
    nodeOf(e: Endpoint): Node | undefined {
      if (e.kind === 'external') return e.node ?? (e.address ? byAddress.get(`${e.address.family}:${e.address.value}`) : undefined);
      if (!e.pod.hostNetwork) return undefined;
      if (e.pod.nodeName && byName.has(e.pod.nodeName)) return byName.get(e.pod.nodeName);
      for (const a of e.pod.ips) {
        const n = byAddress.get(`${a.family}:${a.value}`);
        if (n) return n;
      }
      return undefined;
    },
  };
}

export function namespaceMatches(m: NamespaceMatch, ns: Namespace | undefined, nsName: string): boolean {
  if (m.kind === 'named') return m.name === nsName;
  return matches(m.selector, ns?.labels ?? { 'kubernetes.io/metadata.name': nsName });
}

export function selects(s: PodSelection, pod: Pod, ctx: MatchContext): boolean {
  return selectsNamespace(s, pod.namespace, ctx) && selectsInNamespace(s, pod);
}

/** The half of selects() that reads only the pod's namespace. */
export function selectsNamespace(s: PodSelection, namespace: string, ctx: MatchContext): boolean {
  return namespaceMatches(s.namespaces, ctx.namespaces.get(namespace), namespace);
}

/** The other half: the pod itself, in a namespace selectsNamespace() took. */
export function selectsInNamespace(s: PodSelection, pod: Pod): boolean {
  return !pod.hostNetwork && matches(s.pods, pod.labels);
}

function addressesOf(e: Endpoint): readonly Address[] {
  if (e.kind === 'pod') return e.pod.ips;
  return e.address ? [e.address] : [];
}

export function peerMatches(peer: Peer, other: Endpoint, ctx: MatchContext): boolean {
  switch (peer.type) {
    case 'pods':
      return other.kind === 'pod' && selects(peer.selection, other.pod, ctx);
    case 'ipBlock': {
      const addrs = addressesOf(other);
      // With no known address only a block that holds every address can be sure to match.
      if (addrs.length === 0) return peer.cidr.bits === 0 && peer.except.length === 0;
      return addrs.some((a) => cidrContains(peer.cidr, a) && !peer.except.some((x) => cidrContains(x, a)));
    }
    case 'nodes': {
      const node = ctx.nodeOf(other);
      return node !== undefined && matches(peer.selector, node.labels);
    }
    case 'domains':
      return other.kind === 'external' && other.domain !== undefined && peer.patterns.some((p) => domainMatches(p, other.domain!));
  }
}

/** Why a peer does not match, in words. */
export function peerMiss(peer: Peer, other: Endpoint, ctx: MatchContext): string {
  switch (peer.type) {
    case 'pods': {
      if (other.kind !== 'pod') return 'the peer selects pods; the other end is outside the pod network';
      if (other.pod.hostNetwork) return 'the peer selects pods; a host-network pod is not selectable';
      const pod = other.pod;
      const nsm = peer.selection.namespaces;
      if (!namespaceMatches(nsm, ctx.namespaces.get(pod.namespace), pod.namespace)) {
        if (nsm.kind === 'named') return `the peer selects pods in namespace ${nsm.name} only (podSelector without namespaceSelector)`;
        const fail = firstFailure(nsm.selector, ctx.namespaces.get(pod.namespace)?.labels ?? {});
        return `namespace ${pod.namespace} labels do not match (needs ${fail ? describeRequirement(fail) : describeSelector(nsm.selector)})`;
      }
      const fail = firstFailure(peer.selection.pods, pod.labels);
      return `pod labels do not match (needs ${fail ? describeRequirement(fail) : describeSelector(peer.selection.pods)})`;
    }
    case 'ipBlock': {
      const addrs = addressesOf(other);
      if (addrs.length === 0) return `address not known, and ${peer.cidr.text} does not cover every address`;
      const excepted = peer.except.find((x) => addrs.some((a) => cidrContains(peer.cidr, a) && cidrContains(x, a)));
      if (excepted) return `${addrs.map((a) => a.text).join(', ')} is in the except ${excepted.text} of ${peer.cidr.text}`;
      return `${addrs.map((a) => a.text).join(', ')} is not in ${peer.cidr.text}`;
    }
    case 'nodes':
      return ctx.nodeOf(other) ? `node labels do not match (needs ${describeSelector(peer.selector)})` : 'the other end is not a node';
    case 'domains':
      return other.kind === 'external' && other.domain ? `${other.domain} does not match ${peer.patterns.join(', ')}` : 'not a domain name';
  }
}

export function describePeer(peer: Peer): string {
  switch (peer.type) {
    case 'pods': {
      const ns = peer.selection.namespaces;
      const nsText = ns.kind === 'named' ? `namespace ${ns.name}` : `namespaces ${describeSelector(ns.selector)}`;
      return `pods ${describeSelector(peer.selection.pods)} in ${nsText}`;
    }
    case 'ipBlock':
      return peer.except.length ? `${peer.cidr.text} except ${peer.except.map((x) => x.text).join(', ')}` : peer.cidr.text;
    case 'nodes':
      return `nodes ${describeSelector(peer.selector)}`;
    case 'domains':
      return peer.patterns.join(', ');
  }
}

/** Port matching; named ports resolve against the destination pod's container ports. */
export function portMatches(pm: PortMatch, port: number, protocol: Protocol, destination: Endpoint): boolean {
  switch (pm.type) {
    case 'range':
      return pm.protocol === protocol && port >= pm.from && port <= pm.to;
    case 'protocol':
      return pm.protocol === protocol;
    case 'named':
      if (destination.kind !== 'pod') return false;
      if (pm.protocol !== undefined && pm.protocol !== protocol) return false;
      return destination.pod.ports.some((cp) => cp.name === pm.name && cp.port === port && cp.protocol === protocol);
  }
}

export function describePort(pm: PortMatch): string {
  switch (pm.type) {
    case 'range':
      return pm.from === pm.to ? `${pm.from}/${pm.protocol}` : `${pm.from}-${pm.to}/${pm.protocol}`;
    case 'protocol':
      return `any/${pm.protocol}`;
    case 'named':
      return pm.protocol ? `${pm.name}/${pm.protocol}` : pm.name;
  }
}
