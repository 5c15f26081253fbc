/**
 * The world outside the pod network, as the policies see it. Every CIDR and `except` of the input
 * splits the address space of its family; the pieces ("atoms") are the address ranges no rule can
 * tell apart inside. Each atom, each domain name a policy names, and each Node is a peer outside
 * that bulk analyses list next to the workloads, in both directions.
 */
import type { Cluster, Node } from '../model/cluster.js';
import type { Endpoint } from '../model/endpoint.js';
import type { Address } from '../net/ip.js';

export type OutsideKind = 'addresses' | 'internet' | 'domain' | 'node';

export interface OutsidePeer {
  /** How it is shown: `10.0.0.0/16 except 10.0.5.0/24`, `internet`, a domain name as written, `node/NAME`. */
  name: string;
  kind: OutsideKind;
  family?: 4 | 6;
  /** addresses/internet: the block the atom lies in (absent for the rest of a family) and what is carved out of it. */
  cidr?: string;
  except?: string[];
  /** What the engine is asked about for the whole atom. */
  rep: Endpoint;
  /** addresses/internet: the address intervals it covers, inclusive. */
  intervals?: [bigint, bigint][];
}

/** The name of every address not in a CIDR of the policies (the rest of a family). */
export const INTERNET = 'internet';

interface Block {
  family: 4 | 6;
  base: bigint;
  bits: number;
  children: Block[];
}

export class OutsideWorld {
  readonly peers: OutsidePeer[] = [];
  private readonly byName = new Map<string, OutsidePeer>();
  private readonly nodeByAddress = new Map<string, OutsidePeer>();

  /** The policies of every cluster split the space (diff compares two on the same atoms); nodes come from all. */
  constructor(clusters: readonly Cluster[]) {
    const blocks = new Map<string, Block>();
    const domains = new Set<string>();
    const taken = new Set<string>();
    const families = new Set<4 | 6>();
    const nodes = new Map<string, Node>();
    for (const cluster of clusters) {
      for (const policy of cluster.policies) {
        for (const rule of [...policy.ingress, ...policy.egress]) {
          for (const peer of rule.peers ?? []) {
            if (peer.type === 'domains') for (const d of peer.patterns) domains.add(d);
            if (peer.type !== 'ipBlock') continue;
            for (const c of [peer.cidr, ...peer.except]) {
              blocks.set(`${c.family}:${c.base}/${c.bits}`, { family: c.family, base: c.base, bits: c.bits, children: [] });
              families.add(c.family);
            }
          }
        }
      }
      for (const p of cluster.pods) for (const a of p.ips) (taken.add(`${a.family}:${a.value}`), families.add(a.family));
      for (const n of cluster.nodes) {
        if (!nodes.has(n.name)) nodes.set(n.name, n);
        for (const a of n.addresses) (taken.add(`${a.family}:${a.value}`), families.add(a.family));
      }
    }
    if (families.size === 0) families.add(4);
    for (const family of [4, 6] as const) {
      if (!families.has(family)) continue;
      const internet = families.size > 1 ? `${INTERNET} (IPv${family})` : INTERNET;
      this.addAtoms(family, [...blocks.values()].filter((b) => b.family === family), internet, taken);
    }
    for (const d of [...domains].sort()) this.add({ name: d, kind: 'domain', rep: { kind: 'external', domain: domainRep(d, domains) } });
    for (const n of [...nodes.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      const peer: OutsidePeer = { name: `node/${n.name}`, kind: 'node', rep: { kind: 'external', node: n, ...(n.addresses[0] ? { address: n.addresses[0] } : {}) } };
      this.add(peer);
      for (const a of n.addresses) this.nodeByAddress.set(`${a.family}:${a.value}`, peer);
    }
  }

  get(name: string): OutsidePeer | undefined {
    return this.byName.get(name);
  }

  /** The peer an address outside the pod network belongs to: its node, else its atom. */
  peerOf(address: Address): OutsidePeer | undefined {
    const node = this.nodeByAddress.get(`${address.family}:${address.value}`);
    if (node) return node;
    return this.peers.find((p) => p.family === address.family && p.intervals?.some(([lo, hi]) => address.value >= lo && address.value <= hi));
  }

  private add(peer: OutsidePeer): void {
    this.peers.push(peer);
    this.byName.set(peer.name, peer);
  }

  private addAtoms(family: 4 | 6, list: Block[], internet: string, taken: Set<string>): void {
    const width = family === 4 ? 32 : 128;
    const end = (b: Block): bigint => b.base + (1n << BigInt(width - b.bits)) - 1n;
    // CIDRs are nested or disjoint: sorted by start then size, a stack of open blocks finds each parent
    list.sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : a.bits - b.bits));
    const roots: Block[] = [];
    const stack: Block[] = [];
    for (const b of list) {
      while (stack.length && end(stack[stack.length - 1]!) < b.base) stack.pop();
      const parent = stack[stack.length - 1];
      (parent ? parent.children : roots).push(b);
      stack.push(b);
    }
    const everything = roots.length === 1 && roots[0]!.bits === 0 ? roots[0]! : { family, base: 0n, bits: 0, children: roots };
    const walk = (b: Block): void => {
      const intervals: [bigint, bigint][] = [];
      let next = b.base;
      for (const c of b.children) {
        if (c.base > next) intervals.push([next, c.base - 1n]);
        next = end(c) + 1n;
      }
      if (next <= end(b)) intervals.push([next, end(b)]);
      const address = pickAddress(family, intervals, taken, b === everything);
      if (address) {
        const isRest = b === everything;
        const cidr = isRest ? undefined : cidrText(b);
        const except = b.children.map(cidrText);
        this.add({
          name: isRest ? internet : except.length ? `${cidr} except ${except.join(', ')}` : cidr!,
          kind: isRest ? 'internet' : 'addresses',
          family,
          ...(cidr ? { cidr } : {}),
          ...(except.length ? { except } : {}),
          rep: { kind: 'external', address },
          intervals,
        });
      }
      for (const c of b.children) walk(c);
    };
    walk(everything);
  }
}

/** A name that a wildcard pattern matches and no exact pattern names; an exact name stands for itself. */
function domainRep(pattern: string, all: ReadonlySet<string>): string {
  if (!pattern.startsWith('*.')) return pattern;
  const suffix = pattern.slice(1);
  for (let i = 0; ; i++) {
    const name = `any${i || ''}${suffix}`;
    if (!all.has(name)) return name;
  }
}

/** An address of the atom that is no pod's and no node's (those are peers of their own); a documentation address for the rest of a family. */
function pickAddress(family: 4 | 6, intervals: [bigint, bigint][], taken: Set<string>, rest: boolean): Address | undefined {
  const free = (v: bigint): boolean => !taken.has(`${family}:${v}`);
  if (rest) {
    const doc = family === 4 ? 0xcb007101n : 0x20010db8000000000000000000000001n; // 203.0.113.1, 2001:db8::1
    if (free(doc) && intervals.some(([lo, hi]) => doc >= lo && doc <= hi)) return { family, value: doc, text: formatAddress(family, doc) };
  }
  for (const [lo, hi] of intervals) {
    for (let v = lo; v <= hi; v++) if (free(v)) return { family, value: v, text: formatAddress(family, v) };
  }
  return undefined;
}

function cidrText(b: Block): string {
  return `${formatAddress(b.family, b.base)}/${b.bits}`;
}

export function formatAddress(family: 4 | 6, v: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(112 - 16 * i)) & 0xffffn));
  // the longest run of two or more zero groups becomes "::"
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) (best = i), (bestLen = j - i);
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}
