/**
 * Endpoint references, as users write them in assertions and flags:
 * - `ns/name`: a Pod, or a workload (all its pods) of that name;
 * - `ns/svc/name` (or `svc/name` with a namespace given): a Service;
 * - an IPv4/IPv6 address: the pod with that IP, a Service ClusterIP, a node, or an address outside the cluster;
 * - a Service DNS name (`api.shop.svc.cluster.local`, `api.shop.svc`, `api.shop` when that Service exists);
 * - a domain name (`api.example.com`), optionally with the address it resolves to
 *   (`api.example.com@203.0.113.5`) so that CIDR rules can be judged too.
 */
import { parseAddress, type Address } from '../net/ip.js';
import { isDomainName, normalizeDomain } from '../policy/domains.js';
import type { Cluster, Pod, Service } from './cluster.js';
import type { Endpoint } from './endpoint.js';
import { ServiceIndex } from './services.js';

/** What a reference stands for: one or more pods, a Service, or one endpoint outside the pod network. */
export type Reference =
  | { kind: 'pods'; label: string; pods: readonly Pod[]; /** a workload (not one named pod) */ workload: boolean }
  | { kind: 'service'; label: string; service: Service; /** the ClusterIP dialled, when given by address */ address?: Address }
  | { kind: 'endpoint'; label: string; endpoint: Endpoint };

export type ReferenceResolution = { ok: true; ref: Reference } | { ok: false; error: string };

export type Resolution = { ok: true; endpoint: Endpoint } | { ok: false; error: string };

export class EndpointResolver {
  private readonly byId = new Map<string, Pod>();
  private readonly byWorkload = new Map<string, Pod[]>();
  private readonly byAddress = new Map<string, Pod>();
  private readonly names: string[];
  readonly services: ServiceIndex;

  constructor(private readonly cluster: Cluster) {
    for (const p of cluster.pods) {
      const id = `${p.namespace}/${p.name}`;
      if (!this.byId.has(id)) this.byId.set(id, p);
      if (p.workload) {
        const w = `${p.namespace}/${p.workload.name}`;
        const list = this.byWorkload.get(w);
        if (list) list.push(p);
        else this.byWorkload.set(w, [p]);
      }
      // host-network pods share the node's IP: a flow to that IP is the node's, not theirs
      if (!p.hostNetwork) for (const a of p.ips) this.byAddress.set(key(a), p);
    }
    this.services = new ServiceIndex(cluster);
    this.names = [...new Set([...this.byId.keys(), ...this.byWorkload.keys(), ...this.services.names()])];
  }

  /**
   * One endpoint, for callers that need exactly one (a flow address, a single pod). A workload
   * reference gives its first pod: use `reference` where a workload must stand for all its pods.
   */
  resolve(ref: string): Resolution {
    const r = this.reference(ref);
    if (!r.ok) return r;
    if (r.ref.kind === 'endpoint') return { ok: true, endpoint: r.ref.endpoint };
    if (r.ref.kind === 'pods') return { ok: true, endpoint: { kind: 'pod', pod: r.ref.pods[0]! } };
    return { ok: false, error: `${r.ref.label} is a Service: it stands for its backing pods, not one endpoint` };
  }

  /**
   * What a reference stands for. `namespace` (kubectl's `-n`) applies to bare `svc/name` and `name`
   * references only; without it they mean the `default` namespace, as kubectl's.
   */
  reference(ref: string, namespace?: string): ReferenceResolution {
    const text = ref.trim();
    const parts = text.split('/');
    if (parts.length === 2 && /^(svc|service|services)$/.test(parts[0]!) && namespace !== undefined) return this.service(namespace, parts[1]!, text);
    if (parts.length === 3 && /^(svc|service|services)$/.test(parts[1]!)) return this.service(parts[0]!, parts[2]!, text);
    if (parts.length === 2 && !text.includes(':') && !/^[\d.]+\/\d+$/.test(text)) {
      const pod = this.byId.get(text);
      if (pod) return { ok: true, ref: { kind: 'pods', label: text, pods: [pod], workload: false } };
      const pods = this.byWorkload.get(text);
      if (pods) return { ok: true, ref: { kind: 'pods', label: text, pods, workload: true } };
      if (/^(svc|service|services)$/.test(parts[0]!)) return this.service('default', parts[1]!, text);
      const near = nearest(text, this.names);
      return { ok: false, error: `unknown endpoint ${JSON.stringify(text)}: no pod, workload or Service of that name${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}` };
    }
    if (namespace !== undefined && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(text)) return this.reference(`${namespace}/${text}`);
    const at = text.lastIndexOf('@');
    if (at > 0) {
      const domain = text.slice(0, at);
      const address = parseAddress(text.slice(at + 1));
      if (!isDomainName(domain) || !address) return { ok: false, error: `invalid endpoint ${JSON.stringify(text)}: expected name@address, e.g. api.example.com@203.0.113.5` };
      return { ok: true, ref: { kind: 'endpoint', label: text, endpoint: { kind: 'external', domain: normalizeDomain(domain), address } } };
    }
    const address = parseAddress(text);
    if (address) {
      const svc = this.services.byClusterIP(address);
      if (svc && !this.byAddress.has(key(address))) return { ok: true, ref: { kind: 'service', label: `${svc.namespace}/svc/${svc.name} (${address.text})`, service: svc, address } };
      return { ok: true, ref: { kind: 'endpoint', label: text, endpoint: this.byAddressEndpoint(address) } };
    }
    if (isDomainName(text)) {
      const dns = this.services.byDnsName(text);
      if (dns.service) return { ok: true, ref: { kind: 'service', label: `${dns.service.namespace}/svc/${dns.service.name}`, service: dns.service } };
      if (dns.known) return this.service(dns.namespace!, dns.name!, text);
      return { ok: true, ref: { kind: 'endpoint', label: text, endpoint: { kind: 'external', domain: normalizeDomain(text) } } };
    }
    const near = nearest(text, this.names);
    return { ok: false, error: `unknown endpoint ${JSON.stringify(text)}: expected namespace/name, namespace/svc/name, an IP address or a domain name${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}` };
  }

  private service(namespace: string, name: string, text: string): ReferenceResolution {
    const svc = this.services.get(namespace, name);
    if (svc) return { ok: true, ref: { kind: 'service', label: `${namespace}/svc/${name}`, service: svc } };
    const near = nearest(`${namespace}/svc/${name}`, this.services.names());
    return { ok: false, error: `unknown Service ${JSON.stringify(text)}: no Service ${name} in namespace ${namespace}${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}` };
  }

  /** A pod if one has this IP, else a node with this address, else an address outside the cluster. */
  byAddressEndpoint(address: Address): Endpoint {
    const pod = this.byAddress.get(key(address));
    if (pod) return { kind: 'pod', pod };
    const node = this.cluster.nodes.find((n) => n.addresses.some((a) => a.family === address.family && a.value === address.value));
    return node ? { kind: 'external', address, node } : { kind: 'external', address };
  }
}

function key(a: Address): string {
  return `${a.family}:${a.value}`;
}

/** Up to three known names closest to a mistyped one. */
export function nearest(text: string, names: readonly string[]): string[] {
  const scored = names.map((n) => ({ n, d: distance(text, n) })).filter((x) => x.d <= Math.max(2, Math.floor(text.length / 3)));
  scored.sort((a, b) => a.d - b.d || a.n.localeCompare(b.n));
  return scored.slice(0, 3).map((x) => x.n);
}

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}
