import type { Engine } from '../engine/engine.js';
import type { Pod } from '../model/cluster.js';
import { describeEndpoint, isPolicyPod, type Endpoint } from '../model/endpoint.js';

/** The cluster DNS pods: CoreDNS/kube-dns carry `k8s-app: kube-dns` in kube-system. */
export function clusterDnsPods(pods: readonly Pod[]): Pod[] {
  return pods.filter((p) => p.namespace === 'kube-system' && p.labels['k8s-app'] === 'kube-dns' && !p.hostNetwork);
}

/**
 * A connection to a domain name needs the name resolved first: warn when the source may reach the
 * name but not the cluster DNS on UDP and TCP 53.
 */
export function dnsWarnings(engine: Engine, from: Endpoint, to: Endpoint, allowed: boolean): string[] {
  if (!allowed || to.kind !== 'external' || !to.domain || !isPolicyPod(from)) return [];
  const dns = clusterDnsPods(engine.cluster.pods);
  if (dns.length === 0) return [`${to.domain} must be resolved first, but no cluster DNS pods (kube-system, k8s-app=kube-dns) are in the input to check that ${describeEndpoint(from)} can reach them`];
  const blocked: string[] = [];
  for (const protocol of ['UDP', 'TCP'] as const) {
    const ok = dns.some((p) => engine.decide({ from, to: { kind: 'pod', pod: p }, port: 53, protocol }).allowed);
    if (!ok) blocked.push(`${protocol} 53`);
  }
  if (blocked.length === 0) return [];
  return [`${describeEndpoint(from)} may reach ${to.domain} but not the cluster DNS on ${blocked.join(' and ')}: resolving the name will ${blocked.length === 2 ? 'fail' : 'be unreliable'}`];
}
