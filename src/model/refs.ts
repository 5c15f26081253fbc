/**
 * Endpoint references, as users write them in assertions and flags:
 * - `ns/name`: a Pod, or a workload (its pods, or its representative pod) of that name;
 * - an IPv4/IPv6 address: the pod with that IP, a node, or an address outside the cluster;
 * - a domain name (`api.example.com`), optionally with the address it resolves to
 *   (`api.example.com@203.0.113.5`) so that CIDR rules can be judged too.
 */
import type { Endpoint } from '../engine/endpoint.js';
import { isDomainName, normalizeDomain } from '../policy/domains.js';
import type { Cluster, Pod } from './cluster.js';
import { parseAddress, type Address } from './ip.js';

export type Resolution = { ok: true; endpoint: Endpoint } | { ok: false; error: string };

export class EndpointResolver {
  private readonly byId = new Map<string, Pod>();
  private readonly byWorkload = new Map<string, Pod>();
  private readonly byAddress = new Map<string, Pod>();
  private readonly names: string[];

  constructor(private readonly cluster: Cluster) {
    for (const p of cluster.pods) {
      const id = `${p.namespace}/${p.name}`;
      if (!this.byId.has(id)) this.byId.set(id, p);
      if (p.workload) {
        const w = `${p.namespace}/${p.workload.name}`;
        if (!this.byWorkload.has(w)) this.byWorkload.set(w, p);
      }
      // host-network pods share the node's IP: a flow to that IP is the node's, not theirs
      if (!p.hostNetwork) for (const a of p.ips) this.byAddress.set(key(a), p);
    }
    this.names = [...new Set([...this.byId.keys(), ...this.byWorkload.keys()])];
  }

  resolve(ref: string): Resolution {
    const text = ref.trim();
    if (text.includes('/') && !text.includes(':') && !/^[\d.]+\/\d+$/.test(text)) {
      const pod = this.byId.get(text) ?? this.byWorkload.get(text);
      if (pod) return { ok: true, endpoint: { kind: 'pod', pod } };
      const near = nearest(text, this.names);
      return { ok: false, error: `unknown endpoint ${JSON.stringify(text)}: no pod or workload of that name${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}` };
    }
    const at = text.lastIndexOf('@');
    if (at > 0) {
      const domain = text.slice(0, at);
      const address = parseAddress(text.slice(at + 1));
      if (!isDomainName(domain) || !address) return { ok: false, error: `invalid endpoint ${JSON.stringify(text)}: expected name@address, e.g. api.example.com@203.0.113.5` };
      return { ok: true, endpoint: { kind: 'external', domain: normalizeDomain(domain), address } };
    }
    const address = parseAddress(text);
    if (address) return { ok: true, endpoint: this.byAddressEndpoint(address) };
    if (isDomainName(text)) return { ok: true, endpoint: { kind: 'external', domain: normalizeDomain(text) } };
    const near = nearest(text, this.names);
    return { ok: false, error: `unknown endpoint ${JSON.stringify(text)}: expected namespace/name, an IP address or a domain name${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}` };
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
