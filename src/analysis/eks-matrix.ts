/**
 * The matrix under the EKS data plane: the specification's classes refined until every member of a class
 * looks the same to the EKS agent's maps, each pair of such classes decided by the EKS program (exactly, on
 * every class of ports), and the specification's answer for the same pairs beside it, so that the matrix can
 * mark where the two disagree and name the mechanism (compare.ts) on one witness pair.
 *
 * Why the refinement is exact: the program's verdict for a side depends on the subject's maps (the arrays the
 * agent made for its identifier and node, and the pod state) and on which entry of those maps holds the peer
 * (longest prefix). Pods whose maps are the same arrays and whose addresses fall in the same non-host CIDRs
 * and in host entries of the same content are decided alike; ports are refined by every port, range and
 * protocol a slot of the maps names.
 */
import { has, type Bits } from '../engine/bitset.js';
import type { ClassIndex, EndpointClass } from '../engine/classes.js';
import type { Endpoint } from '../engine/endpoint.js';
import type { PortClass, PortRange } from '../engine/ports.js';
import type { Reachability } from '../engine/reachability.js';
import { PROTOCOLS, type Pod, type Protocol } from '../model/cluster.js';
import { cidrContains, type Address, type Cidr } from '../model/ip.js';
import { domainMatches } from '../policy/domains.js';
import type { Dataplanes } from '../eks/compare.js';
import { decidePacket } from '../eks/program.js';
import type { CpEntry, DirectionMaps, NpEntry } from '../eks/types.js';

/** A refined class of ports: `parent` is the specification's class it lies in. */
export interface RefinedPortClass extends PortClass {
  parent: number;
}

/** Endpoints no map and no policy tells apart. */
interface JointClass {
  spec: EndpointClass;
  rep: Endpoint;
  pods: Pod[];
  /** [group, count, ...] as matrix.ts lists members. */
  members: number[];
  address: Address;
  domain?: string;
  egress?: DirectionMaps;
  ingress?: DirectionMaps;
}

export interface PlaneCounts {
  queries: RefinedPortClass[];
  /** (source group * G + destination group) -> allowed member pairs per query, EKS's and the specification's. */
  eks: Map<number, Uint32Array>;
  spec: Map<number, Uint32Array>;
  /** (group pair * Q + query) -> a pair of endpoints on which the two planes disagree there. */
  witness: Map<number, [Endpoint, Endpoint]>;
}

export interface GroupView {
  G: number;
  /** The matrix group of a pod; the groups of an outside class (matrix.ts members). */
  groupOfPod(pod: Pod): number | undefined;
  outsideMembers(c: EndpointClass): number[];
  wanted(gs: number, gd: number): boolean;
}

/**
 * The specification's classes of ports split wherever a slot of the EKS maps starts or ends (a protocol's
 * whole range for ANY and port 0).
 */
export function refinePorts(queries: readonly PortClass[], maps: Iterable<DirectionMaps>): RefinedPortClass[] {
  const slotRanges = new Map<Protocol, Map<string, [number, number]>>(PROTOCOLS.map((p) => [p, new Map()]));
  const add = (protocol: string, port: number, endPort: number): void => {
    if (protocol === 'ANY' || protocol === 'RESERVED' || port === 0) return; // every port alike
    const to = endPort > port ? endPort : port;
    slotRanges.get(protocol as Protocol)?.set(`${port}-${to}`, [port, to]);
  };
  const seen = new Set<object>();
  for (const m of maps) {
    if (!seen.has(m.entries)) {
      seen.add(m.entries);
      for (const e of m.entries) for (const s of [...e.l4, ...e.overflow]) add(s.protocol, s.port, s.endPort);
    }
    if (!seen.has(m.cpEntries)) {
      seen.add(m.cpEntries);
      for (const e of m.cpEntries) for (const s of [...e.rules, ...e.overflow]) add(s.protocol, s.port, s.endPort);
    }
  }
  const out: RefinedPortClass[] = [];
  queries.forEach((q, parent) => {
    const byKey = new Map<string, RefinedPortClass>();
    for (const r of q.ranges) {
      const ranges = [...slotRanges.get(r.protocol)!.values()];
      const cuts = new Set<number>([r.from, r.to + 1]);
      for (const [a, b] of ranges) {
        if (a > r.from && a <= r.to) cuts.add(a);
        if (b + 1 > r.from && b + 1 <= r.to) cuts.add(b + 1);
      }
      const sorted = [...cuts].sort((x, y) => x - y);
      for (let i = 0; i + 1 < sorted.length; i++) {
        const from = sorted[i]!;
        const to = sorted[i + 1]! - 1;
        const key = `${r.protocol}|${ranges.map(([a, b]) => (a <= from && from <= b ? '1' : '0')).join('')}`;
        let c = byKey.get(key);
        if (!c) byKey.set(key, (c = { rep: { port: from, protocol: r.protocol }, ranges: [], parent }));
        c.ranges.push({ protocol: r.protocol, from, to });
      }
    }
    out.push(...byKey.values());
  });
  return out;
}

/** The entry of one map list the program's longest-prefix lookup finds for an address, fast. */
class LookupIndex<T extends { cidr?: Cidr; domain?: string }> {
  private readonly hosts = new Map<string, T>();
  private readonly nets: T[] = [];
  private readonly domains: T[] = [];

  constructor(entries: readonly T[]) {
    const nets: { e: T; i: number }[] = [];
    entries.forEach((e, i) => {
      if (e.domain !== undefined) this.domains.push(e);
      else if (e.cidr) {
        if (e.cidr.bits === (e.cidr.family === 4 ? 32 : 128)) {
          const k = addressKey(e.cidr.family, e.cidr.base);
          if (!this.hosts.has(k)) this.hosts.set(k, e); // the first of equal prefixes wins, as in program.ts
        } else nets.push({ e, i });
      }
    });
    nets.sort((a, b) => b.e.cidr!.bits - a.e.cidr!.bits || a.i - b.i);
    this.nets = nets.map((x) => x.e);
  }

  find(a: Address, domain: string | undefined): T | undefined {
    if (domain) for (const e of this.domains) if (domainMatches(e.domain!, domain)) return e;
    return this.hosts.get(addressKey(a.family, a.value)) ?? this.nets.find((e) => cidrContains(e.cidr!, a));
  }

  /** The non-host CIDRs and host addresses it holds (for the classes' signatures). */
  get netCidrs(): readonly T[] {
    return this.nets;
  }
  hostEntries(): IterableIterator<[string, T]> {
    return this.hosts.entries();
  }
}

function addressKey(family: number, value: bigint): string {
  return `${family}:${value}`;
}

/**
 * Counts of allowed member pairs per group pair and refined class of ports, under both data planes.
 * `specRows(q)` gives the specification's class rows for one of its classes of ports.
 */
export function countBothPlanes(
  planes: Dataplanes,
  classes: ClassIndex,
  reach: Reachability,
  specQueries: readonly PortClass[],
  view: GroupView,
): PlaneCounts {
  const eks = planes.eks;
  const family = eks.addressing.family;
  // every pod's maps, made now: the refinement needs their slots and the classes their identities
  const policyPods = classes.classes.flatMap((c) => c.pods.filter((p) => !p.hostNetwork));
  const mapsOf = new Map<Pod, { egress: DirectionMaps; ingress: DirectionMaps }>();
  for (const p of policyPods) {
    const m = eks.mapsOf(p)!;
    mapsOf.set(p, { egress: m.egress, ingress: m.ingress });
  }
  const allMaps = [...mapsOf.values()].flatMap((m) => [m.egress, m.ingress]);
  const queries = specQueries.length === 1 && specQueries[0]!.ranges.length === 1 && specQueries[0]!.ranges[0]!.from === specQueries[0]!.ranges[0]!.to
    ? [{ ...specQueries[0]!, parent: 0 }]
    : refinePorts(specQueries, allMaps);
  const Q = queries.length;

  // identities of the arrays the agent made (equal policies and node share them)
  const ids = new Map<object, number>();
  const id = (x: object): number => {
    let n = ids.get(x);
    if (n === undefined) ids.set(x, (n = ids.size));
    return n;
  };
  const npIndex = new Map<readonly NpEntry[], LookupIndex<NpEntry>>();
  const cpIndex = new Map<readonly CpEntry[], LookupIndex<CpEntry>>();
  for (const m of allMaps) {
    if (!npIndex.has(m.entries)) npIndex.set(m.entries, new LookupIndex(m.entries));
    if (!cpIndex.has(m.cpEntries)) cpIndex.set(m.cpEntries, new LookupIndex(m.cpEntries));
  }
  // a pod's address as a peer: the non-host CIDRs holding it and the content of every host entry naming it
  const nets = new Map<string, Cidr>();
  const hostSig = new Map<string, string[]>();
  const content = new Map<object, string>();
  const contentOf = (e: NpEntry | CpEntry): string => {
    let c = content.get(e);
    if (c === undefined) {
      c = 'l4' in e ? JSON.stringify([e.kind, e.l4, e.overflow].map((x) => (Array.isArray(x) ? x.map(({ protocol, port, endPort }) => [protocol, port, endPort]) : x))) : JSON.stringify([e.kind, [...e.rules, ...e.overflow].map(({ tier, priority, action, protocol, port, endPort }) => [tier, priority, action, protocol, port, endPort])]);
      content.set(e, c);
    }
    return c;
  };
  const contentIds = new Map<string, number>();
  const contentId = (e: NpEntry | CpEntry): number => {
    const c = contentOf(e);
    let n = contentIds.get(c);
    if (n === undefined) contentIds.set(c, (n = contentIds.size));
    return n;
  };
  for (const [list, index] of [...npIndex, ...cpIndex] as [object, LookupIndex<NpEntry | CpEntry>][]) {
    for (const e of index.netCidrs) nets.set(`${e.cidr!.family}:${e.cidr!.base}/${e.cidr!.bits}`, e.cidr!);
    for (const [k, e] of index.hostEntries()) {
      let l = hostSig.get(k);
      if (!l) hostSig.set(k, (l = []));
      l.push(`${id(list)}:${contentId(e)}`);
    }
  }
  const netList = [...nets.values()];
  const peerSignature = (a: Address): string => {
    let s = `${a.family}|`;
    for (const c of netList) s += cidrContains(c, a) ? '1' : '0';
    return `${s}|${(hostSig.get(addressKey(a.family, a.value)) ?? []).join(',')}`;
  };

  // the joint classes: a specification class split by maps (as subject) and signature (as peer)
  const joint: JointClass[] = [];
  for (const c of classes.classes) {
    if (c.outside) {
      const rep = c.rep;
      const domain = rep.kind === 'external' ? rep.domain : undefined;
      joint.push({ spec: c, rep, pods: [], members: view.outsideMembers(c), address: eks.address(rep), ...(domain ? { domain } : {}) });
      continue;
    }
    const byKey = new Map<string, JointClass>();
    for (const pod of c.pods) {
      const m = mapsOf.get(pod);
      const address = eks.address({ kind: 'pod', pod });
      const key = `${m ? `${id(m.egress.entries)},${id(m.egress.cpEntries)},${m.egress.podState},${id(m.ingress.entries)},${id(m.ingress.cpEntries)},${m.ingress.podState}` : 'host'}#${peerSignature(address)}`;
      let j = byKey.get(key);
      if (!j) {
        byKey.set(key, (j = { spec: c, rep: { kind: 'pod', pod }, pods: [], members: [], address, ...(m ? { egress: m.egress, ingress: m.ingress } : {}) }));
        joint.push(j);
      }
      j.pods.push(pod);
    }
    for (const j of byKey.values()) {
      const counts = new Map<number, number>();
      for (const p of j.pods) {
        const g = view.groupOfPod(p);
        if (g !== undefined) counts.set(g, (counts.get(g) ?? 0) + 1);
      }
      j.members = [...counts].flat();
    }
  }

  // one side's answer per class of ports: it depends only on the pod state and the entries found
  const ALL = new Uint8Array(Q).fill(1);
  const vectors = new Map<string, Uint8Array>();
  const sideVector = (maps: DirectionMaps | undefined, peer: JointClass): Uint8Array => {
    if (!maps) return ALL; // no probes: a host-network pod or a peer outside
    if (peer.address.family !== family) return ALL; // the other family's packets are not inspected
    const np = npIndex.get(maps.entries)!.find(peer.address, peer.domain);
    const cp = cpIndex.get(maps.cpEntries)!.find(peer.address, peer.domain);
    const key = `${maps.podState}|${np ? id(np) : -1}|${cp ? id(cp) : -1}`;
    let v = vectors.get(key);
    if (!v) {
      // the program on a map holding just the entries found: the same lookup result, the same decision
      const mini: DirectionMaps = { podState: maps.podState, cpPodState: maps.cpPodState, entries: np ? [np] : [], cpEntries: cp ? [cp] : [], dropped: [], policies: [] };
      v = new Uint8Array(Q);
      for (let qi = 0; qi < Q; qi++) {
        const q = queries[qi]!.rep;
        v[qi] = decidePacket(mini, { peer: peer.address, ...(peer.domain ? { domain: peer.domain } : {}), port: q.port, protocol: q.protocol }).allowed ? 1 : 0;
      }
      vectors.set(key, v);
    }
    return v;
  };

  // the specification's rows, per its class of ports
  const specRows: Bits[][] = specQueries.map((q) => {
    const rows: Bits[] = [];
    for (const r of reach.rows(q.rep)) rows[r.from.index] = r.allowed;
    return rows;
  });

  const G = view.G;
  const eksCounts = new Map<number, Uint32Array>();
  const specCounts = new Map<number, Uint32Array>();
  const witness = new Map<number, [Endpoint, Endpoint]>();
  const eksAllowed = new Uint8Array(Q);
  const specAllowed = new Uint8Array(Q);
  for (const s of joint) {
    if (s.members.length === 0) continue;
    for (const d of joint) {
      if (d.members.length === 0 || (s.spec.outside && d.spec.outside)) continue;
      let any = false;
      for (let a = 0; a < s.members.length && !any; a += 2) for (let b = 0; b < d.members.length && !any; b += 2) any = view.wanted(s.members[a]!, d.members[b]!);
      if (!any) continue;
      const eg = sideVector(s.egress, d);
      const ing = sideVector(d.ingress, s);
      for (let qi = 0; qi < Q; qi++) {
        eksAllowed[qi] = eg[qi]! & ing[qi]!;
        specAllowed[qi] = has(specRows[queries[qi]!.parent]![s.spec.index]!, d.spec.index) ? 1 : 0;
      }
      for (let a = 0; a < s.members.length; a += 2) {
        const gs = s.members[a]!;
        for (let b = 0; b < d.members.length; b += 2) {
          const gd = d.members[b]!;
          // a pod talking to itself is not a connection between two pods
          const pairs = s.members[a + 1]! * d.members[b + 1]! - (s === d && gs === gd ? s.members[a + 1]! : 0);
          if (pairs === 0 || !view.wanted(gs, gd)) continue;
          const k = gs * G + gd;
          let ce = eksCounts.get(k);
          if (!ce) {
            eksCounts.set(k, (ce = new Uint32Array(Q)));
            specCounts.set(k, new Uint32Array(Q));
          }
          const cs = specCounts.get(k)!;
          for (let qi = 0; qi < Q; qi++) {
            if (eksAllowed[qi]) ce[qi]! += pairs;
            if (specAllowed[qi]) cs[qi]! += pairs;
            if (eksAllowed[qi] !== specAllowed[qi] && !witness.has(k * Q + qi)) {
              witness.set(k * Q + qi, s === d ? [{ kind: 'pod', pod: s.pods[0]! }, { kind: 'pod', pod: s.pods[1]! }] : [s.rep, d.rep]);
            }
          }
        }
      }
    }
  }
  return { queries, eks: eksCounts, spec: specCounts, witness };
}

/** The ranges of `queries` whose answer (allowed for all, some or none of `total` pairs) differs. */
export function answerOf(n: number, total: number): 'allowed' | 'partial' | 'denied' {
  return n === 0 ? 'denied' : n < total ? 'partial' : 'allowed';
}

export type { PortRange };
