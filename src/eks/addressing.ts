/**
 * The addresses the EKS data plane sees: one IP family per cluster, each pod's primary IP (the controller
 * writes status.podIP only), the agent's node IP (the Node's first InternalIP of the family), and
 * placeholders for pods and nodes podwall knows no address of.
 *
 * Placeholders are chosen so that no policy CIDR other than a /0 contains them (from 240.0.0.0/4, the
 * reserved class E, and fd70:6f64:7761:6c6c::/64 for IPv6, skipping any address a policy CIDR covers): an
 * address-less pod then matches only rules that hold every address, as the specification has it.
 */
import type { Cluster, Node, Pod } from '../model/cluster.js';
import { cidrContains, cidrWithin, type Address, type Cidr } from '../net/ip.js';
import type { Peer } from '../policy/types.js';

export type Family = 4 | 6;

export function clusterFamily(cluster: Cluster): Family {
  let v4 = 0;
  let v6 = 0;
  for (const p of cluster.pods) {
    const first = p.ips[0];
    if (first?.family === 4) v4++;
    else if (first?.family === 6) v6++;
  }
  return v6 > v4 ? 6 : 4;
}

/**
 * The pod identifier: the name without its last `-segment`, `@` (agents up to v1.3.7: `-`), the namespace; `.`
 * becomes `_` (agent utils.go). The `@` form is the finer one: pods it groups are grouped by `-` too.
 */
export function podIdentifier(pod: Pod, separator: '@' | '-' = '@'): string {
  const dash = pod.name.lastIndexOf('-');
  const base = dash > 0 ? pod.name.slice(0, dash) : pod.name;
  return `${base}${separator}${pod.namespace}`.replaceAll('.', '_');
}

function policyCidrs(cluster: Cluster): Cidr[] {
  const out: Cidr[] = [];
  const visit = (peers: readonly Peer[] | undefined): void => {
    for (const p of peers ?? []) {
      if (p.type !== 'ipBlock') continue;
      if (p.cidr.bits > 0) out.push(p.cidr);
      out.push(...p.except.filter((x) => x.bits > 0));
    }
  };
  for (const pol of cluster.policies) {
    for (const r of [...pol.ingress, ...pol.egress, ...(pol.rulesOutsidePolicyTypes?.ingress ?? []), ...(pol.rulesOutsidePolicyTypes?.egress ?? [])]) visit(r.peers);
  }
  return out;
}

export class Addressing {
  readonly family: Family;
  private readonly cidrs: Cidr[];
  private next4 = 0xf0000001n; // 240.0.0.1
  private next6 = (0xfd706f6477616c6cn << 64n) + 1n;
  private readonly placeholders = new Map<string, Address>();
  private readonly nodesByName: Map<string, Node>;
  /** A host-network pod shares its node's address: without a Node object, its IP is the node's. */
  private readonly hostAddresses = new Map<string, Address>();
  readonly placeholderKeys = new Set<string>();
  private readonly byPod = new Map<Pod, Address>();
  private readonly cidrByPod = new Map<Pod, Cidr>();

  constructor(cluster: Cluster) {
    this.family = clusterFamily(cluster);
    // only CIDRs that reach into the placeholder range can hold a placeholder
    const range: Cidr = this.family === 4 ? { family: 4, base: 0xf0000000n, bits: 4, text: '240.0.0.0/4' } : { family: 6, base: 0xfd706f6477616c6cn << 64n, bits: 64, text: 'fd70:6f64:7761:6c6c::/64' };
    this.cidrs = policyCidrs(cluster).filter((c) => c.family === range.family && (cidrWithin(c, range) || cidrWithin(range, c)));
    this.nodesByName = new Map(cluster.nodes.map((n) => [n.name, n]));
    for (const p of cluster.pods) {
      const a = p.hostNetwork && p.nodeName ? p.ips.find((x) => x.family === this.family) : undefined;
      if (a && !this.hostAddresses.has(p.nodeName!)) this.hostAddresses.set(p.nodeName!, a);
    }
    // every pod's (and its node's) placeholder up front, in the cluster's order: the addresses do not depend on
    // which questions are asked first (the controller and agent resolve lazily)
    for (const pod of cluster.pods) {
      this.podAddress(pod);
      this.nodeIp(pod.nodeName, `${pod.namespace}/${pod.name}`);
    }
  }

  /** An address no policy CIDR (other than /0) contains, the same for the same key. */
  placeholder(key: string): Address {
    let a = this.placeholders.get(key);
    if (a) return a;
    for (;;) {
      const value = this.family === 4 ? this.next4++ : this.next6++;
      const candidate: Address = { family: this.family, value, text: this.family === 4 ? v4Text(value) : v6Text(value) };
      if (this.cidrs.some((c) => cidrContains(c, candidate))) continue;
      a = candidate;
      break;
    }
    this.placeholders.set(key, a);
    this.placeholderKeys.add(`${a.family}:${a.value}`);
    return a;
  }

  isPlaceholder(a: Address): boolean {
    // every placeholder lies in the reserved range: only there is the (costly, bigint-to-text) key worth making
    if (a.family === 4 ? a.value < 0xf0000000n : a.value >> 64n !== 0xfd706f6477616c6cn) return false;
    return this.placeholderKeys.has(`${a.family}:${a.value}`);
  }

  node(name: string | undefined): Node | undefined {
    return name ? this.nodesByName.get(name) : undefined;
  }

  /**
   * The agent's node IP: the Node's first InternalIP of the cluster's family, else the address of a
   * host-network pod on that node (it shares the node's address), else a placeholder.
   */
  nodeIp(nodeName: string | undefined, podKey: string): Address {
    const node = this.node(nodeName);
    const a = node?.addresses.find((x) => x.family === this.family) ?? (nodeName ? this.hostAddresses.get(nodeName) : undefined);
    if (a) return a;
    return this.placeholder(nodeName ? `node:${nodeName}` : `node-of:${podKey}`);
  }

  /**
   * The address the data plane sees for a pod: status.podIP of the family; a host-network pod has its
   * node's IP; a pod without one gets a placeholder.
   */
  podAddress(pod: Pod): Address {
    let a = this.byPod.get(pod);
    if (!a) this.byPod.set(pod, (a = this.resolvePodAddress(pod)));
    return a;
  }

  /** A pod's address as a host CIDR, made once per pod (peers list the same pods many times). */
  podCidr(pod: Pod): Cidr {
    let c = this.cidrByPod.get(pod);
    if (!c) this.cidrByPod.set(pod, (c = hostCidr(this.podAddress(pod))));
    return c;
  }

  private resolvePodAddress(pod: Pod): Address {
    const own = pod.ips.find((a) => a.family === this.family);
    if (own) return own;
    if (pod.hostNetwork && pod.nodeName) return this.nodeIp(pod.nodeName, `${pod.namespace}/${pod.name}`);
    return this.placeholder(`pod:${pod.namespace}/${pod.name}`);
  }
}

function v4Text(v: bigint): string {
  const n = Number(v);
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function v6Text(v: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((v >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/** A CIDR of one address. */
export function hostCidr(a: Address): Cidr {
  return { family: a.family, base: a.value, bits: a.family === 4 ? 32 : 128, text: `${a.text}/${a.family === 4 ? 32 : 128}` };
}

export function canonicalText(c: Cidr): string {
  const text = c.family === 4 ? v4Text(c.base) : v6Text(c.base);
  return `${text}/${c.bits}`;
}

const keys = new WeakMap<Cidr, string>();

/** A CIDR's identity as text; kept per CIDR object, as turning a bigint into text is the costly part. */
export function cidrKey(c: Cidr): string {
  let k = keys.get(c);
  if (k === undefined) keys.set(c, (k = `${c.family}:${c.base}/${c.bits}`));
  return k;
}

export const ALL_V4: Cidr = { family: 4, base: 0n, bits: 0, text: '0.0.0.0/0' };
export const ALL_V6: Cidr = { family: 6, base: 0n, bits: 0, text: '::/0' };
