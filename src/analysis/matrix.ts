/**
 * `podwall matrix`: which workloads, and which peers outside the pod network, may reach which, as
 * sets of protocols and port ranges. Built on the class-level reachability, one query per class of
 * ports (ports.ts), then expanded to workloads and peers, with adjacent ranges of equal answers merged.
 */
import { members as eachMember } from '../engine/bitset.js';
import { ClassIndex, type EndpointClass } from '../engine/classes.js';
import { Engine } from '../engine/engine.js';
import type { OutsideKind, OutsideWorld } from '../engine/outside.js';
import { mergeRanges, onlyProtocol, portClasses, singlePort, type PortClass, type PortQuery, type PortRange } from '../engine/ports.js';
import { Reachability } from '../engine/reachability.js';
import { workloadId, type Protocol } from '../model/cluster.js';
import { Dataplanes } from '../eks/compare.js';
import type { Endpoint } from '../engine/endpoint.js';
import { answerOf, countBothPlanes, type GroupView } from './eks-matrix.js';

/**
 * Peers outside the pod network: `summary` folds the Node objects into one peer `nodes`, and when a
 * workload has the same answer toward every peer outside, shows it once as `outside`; `each` lists
 * every address range, domain name and node; `none` leaves them out.
 */
export type OutsideMode = 'summary' | 'each' | 'none';

export interface MatrixOptions {
  /** Only pairs with an end in these namespaces; undefined = all. */
  namespaces?: readonly string[];
  /** Leave denied pairs out: what graphs and unused-path reports need, at a fraction of the size. */
  allowedOnly?: boolean;
  /** One port (TCP unless `protocol`) instead of the whole port space; `protocol` alone: its ports only. */
  port?: number;
  protocol?: Protocol;
  outside?: OutsideMode;
  /** Only connections with one end outside the pod network: what reaches in, what reaches out. */
  exposure?: boolean;
  /** With exposure: only this peer outside (its name, e.g. `internet`). */
  peer?: string;
  /** The outside as split for several clusters at once (diff compares two on the same atoms). */
  world?: OutsideWorld;
  /**
   * Whose answer the edges give: `kubernetes` (the specification; the default of this function, the fast
   * class-level path) or `eks` (what the EKS controller and agent enforce, with `disagreement` marks).
   */
  dataplane?: MatrixDataplane;
}

/** The EKS data plane to model (agent version and compute kind), or the specification. */
export type MatrixDataplane = { name: 'kubernetes' } | { name: 'eks'; version: string; compute: 'auto' | 'ec2' };

/** Where the other data plane answers differently on some of an edge's ports. */
export interface Disagreement {
  /** The ports of the edge on which the other plane's answer differs, merged into ranges. */
  ports: PortRange[];
  /** The other plane's answer there (allowed for every pod pair, for some, or for none). */
  other: 'allowed' | 'denied' | 'partial';
  /** The EKS mechanisms that make the difference (src/eks/types.ts MECHANISMS), as compare.ts names them. */
  mechanisms: string[];
}

export interface WorkloadNode {
  id: string;
  namespace: string;
  name: string;
  kind: string;
  pods: number;
}

export interface OutsideNode {
  id: string;
  /** `nodes`: every Node object, folded; `outside`: every peer outside, when they all have the same answer. */
  kind: OutsideKind | 'nodes' | 'outside';
  family?: 4 | 6;
  cidr?: string;
  except?: string[];
  /** How many peers it folds (nodes, outside). */
  members?: number;
}

export interface MatrixEdge {
  from: string;
  to: string;
  allowed: boolean;
  /** Some pod pairs of the two ends are allowed on these ports and some are not. */
  partial: boolean;
  /** The ports with this answer, merged into ranges. */
  ports: PortRange[];
  /**
   * Set when the other data plane (the specification under eks, EKS under kubernetes) answers differently on
   * some of `ports`. An edge carries one `other`: when the other plane answers in two ways on an edge's ports,
   * the edge is split in two with the same answer.
   */
  disagreement?: Disagreement;
}

export interface MatrixResult {
  workloads: WorkloadNode[];
  outside: OutsideNode[];
  edges: MatrixEdge[];
  /** The data plane the edges answer for (absent = the specification, as before). */
  dataplane?: MatrixDataplane;
}

export const OUTSIDE = 'outside';
export const NODES = 'nodes';

interface Group {
  id: string;
  size: number;
  outside: boolean;
  inScope: boolean;
  node?: OutsideNode;
}

export function computeMatrix(engine: Engine, options: MatrixOptions = {}): MatrixResult {
  const classes = new ClassIndex(engine.cluster, engine.ctx, options.world);
  const reach = new Reachability(engine, classes);
  const mode = options.outside ?? 'summary';
  const { groups, members, index } = groupClasses(engine, classes, mode, options.namespaces);
  const queries = queriesFor(engine, options);
  const G = groups.length;
  const peerOk = (g: Group): boolean => !options.peer || g.id === options.peer;
  const wanted = (gs: Group, gd: Group): boolean => {
    if (gs.outside && gd.outside) return false; // outside to outside is no connection of the cluster
    if (options.exposure && (gs.outside === gd.outside || !peerOk(gs.outside ? gs : gd))) return false;
    return !options.namespaces || gs.inScope || gd.inScope;
  };
  const total = (gs: number, gd: number): number => groups[gs]!.size * groups[gd]!.size - (gs === gd ? groups[gs]!.size : 0);

  const dataplane = options.dataplane;
  let counts: Map<number, Uint32Array>;
  let ports: PortClass[] = queries;
  let other: ((k: number) => Other | undefined) | undefined;
  if (dataplane?.name === 'eks') {
    // the EKS answer, exactly, with the specification's beside it for the marks
    const planes = new Dataplanes(engine.cluster, { version: dataplane.version, compute: dataplane.compute });
    const view: GroupView = {
      G,
      groupOfPod: (p) => index.get(workloadId(p)),
      outsideMembers: (c) => members[c.index]!,
      wanted: (gs, gd) => wanted(groups[gs]!, groups[gd]!),
    };
    const both = countBothPlanes(planes, classes, reach, queries, view);
    counts = both.eks;
    ports = both.queries;
    other = (k) => ({ counts: both.spec.get(k)!, mechanisms: (qi) => mechanismsOf(planes, both.witness.get(k * both.queries.length + qi), both.queries[qi]!.rep) });
  } else counts = specCounts(reach, queries, members, groups, wanted);

  let edges: MatrixEdge[] = [];
  const everywhere = mergeRanges(queries.flatMap((q) => q.ranges));
  for (const [k, c] of counts) {
    const gs = Math.floor(k / G);
    const gd = k % G;
    edges.push(...edgesOf(groups[gs]!.id, groups[gd]!.id, c, total(gs, gd), ports, options.allowedOnly, other?.(k)));
  }
  if (!options.allowedOnly) {
    // the pairs with nothing allowed on any port
    for (let gs = 0; gs < G; gs++) {
      for (let gd = 0; gd < G; gd++) {
        if (counts.has(gs * G + gd) || total(gs, gd) === 0 || !wanted(groups[gs]!, groups[gd]!)) continue;
        edges.push({ from: groups[gs]!.id, to: groups[gd]!.id, allowed: false, partial: false, ports: everywhere });
      }
    }
  }
  const outsideNodes = new Map(groups.filter((g) => g.node).map((g) => [g.id, g.node!]));
  if (mode === 'summary') edges = summarizeOutside(edges, outsideNodes);
  // workloads first, peers outside after them
  const outsideFirst = (x: string, y: string): number => Number(outsideNodes.has(x)) - Number(outsideNodes.has(y)) || x.localeCompare(y);
  edges.sort((a, b) => outsideFirst(a.from, b.from) || outsideFirst(a.to, b.to) || Number(b.allowed) - Number(a.allowed) || Number(a.partial) - Number(b.partial));
  const used = new Set(edges.flatMap((e) => [e.from, e.to]));
  const workloads = new Map<string, WorkloadNode>();
  for (const p of engine.cluster.pods) {
    const id = workloadId(p);
    const w = workloads.get(id);
    if (w) w.pods++;
    else workloads.set(id, { id, namespace: p.namespace, name: p.workload?.name ?? p.name, kind: p.workload?.kind ?? 'Pod', pods: 1 });
  }
  return {
    workloads: [...workloads.values()].filter((w) => used.has(w.id)).sort((a, b) => a.id.localeCompare(b.id)),
    outside: [...outsideNodes.values()].filter((n) => used.has(n.id)),
    edges,
    ...(dataplane ? { dataplane } : {}),
  };
}

/** (source group, destination group) -> allowed member pairs per query, from the specification's class rows. */
function specCounts(reach: Reachability, queries: PortClass[], members: number[][], groups: Group[], wanted: (gs: Group, gd: Group) => boolean): Map<number, Uint32Array> {
  const G = groups.length;
  const Q = queries.length;
  const counts = new Map<number, Uint32Array>();
  for (let qi = 0; qi < Q; qi++) {
    for (const { from: s, allowed } of reach.rows(queries[qi]!.rep)) {
      const sm = members[s.index]!;
      if (sm.length === 0) continue;
      for (const di of eachMember(allowed)) {
        const dm = members[di]!;
        for (let a = 0; a < sm.length; a += 2) {
          const gs = sm[a]!;
          for (let b = 0; b < dm.length; b += 2) {
            const gd = dm[b]!;
            // a pod talking to itself is not a connection between two pods
            const pairs = sm[a + 1]! * dm[b + 1]! - (s.index === di && gs === gd ? sm[a + 1]! : 0);
            if (pairs === 0 || !wanted(groups[gs]!, groups[gd]!)) continue;
            const k = gs * G + gd;
            let c = counts.get(k);
            if (!c) counts.set(k, (c = new Uint32Array(Q)));
            c[qi]! += pairs;
          }
        }
      }
    }
  }
  return counts;
}

/** The other data plane's counts for one group pair, and the mechanisms behind a difference on a class of ports. */
interface Other {
  counts: Uint32Array;
  mechanisms(qi: number): string[];
}

function mechanismsOf(planes: Dataplanes, witness: [Endpoint, Endpoint] | undefined, q: PortQuery): string[] {
  if (!witness) return [];
  return planes.compare({ from: witness[0], to: witness[1], port: q.port, protocol: q.protocol }).mechanisms;
}

/** One port (`port`, TCP unless `protocol`), every port of `protocol`, or every port of every protocol. */
function queriesFor(engine: Engine, options: { port?: number; protocol?: Protocol }): PortClass[] {
  if (options.port !== undefined) return singlePort(options.port, options.protocol ?? 'TCP');
  const all = portClasses([engine.cluster]);
  return options.protocol ? onlyProtocol(all, options.protocol) : all;
}

/**
 * A pair's answer per class of ports, as up to three edges (allowed, partial, denied) of merged ranges; with
 * the other data plane's counts, the ranges where it answers differently are marked on the edge (an edge
 * whose ranges the other plane answers in two different ways is split, one `other` each). Without the other
 * plane, `allowedOnly` leaves denied ranges out; with it, denied ranges the other plane allows stay (marked).
 */
function edgesOf(from: string, to: string, c: Uint32Array, total: number, queries: PortClass[], allowedOnly?: boolean, other?: Other): MatrixEdge[] {
  type Answer = 'allowed' | 'partial' | 'denied';
  const buckets = new Map<Answer, Map<Answer, { ranges: PortRange[]; mechanisms: Set<string> }>>();
  for (let qi = 0; qi < queries.length; qi++) {
    const mine = answerOf(c[qi]!, total);
    const theirs = other ? answerOf(other.counts[qi]!, total) : mine;
    let byOther = buckets.get(mine);
    if (!byOther) buckets.set(mine, (byOther = new Map()));
    let b = byOther.get(theirs);
    if (!b) byOther.set(theirs, (b = { ranges: [], mechanisms: new Set() }));
    b.ranges.push(...queries[qi]!.ranges);
    if (theirs !== mine) for (const m of other!.mechanisms(qi)) b.mechanisms.add(m);
  }
  const out: MatrixEdge[] = [];
  for (const mine of ['allowed', 'partial', 'denied'] as const) {
    const byOther = buckets.get(mine);
    if (!byOther) continue;
    const agreeing = byOther.get(mine)?.ranges ?? [];
    const differing = [...byOther].filter(([theirs]) => theirs !== mine);
    if (mine === 'denied' && allowedOnly && differing.length === 0) continue;
    const base = { from, to, allowed: mine !== 'denied', partial: mine === 'partial' };
    if (differing.length === 0) {
      out.push({ ...base, ports: mergeRanges(agreeing) });
      continue;
    }
    differing.forEach(([theirs, d], i) => {
      // the agreeing ranges ride on the first edge (denied ones are left out with allowedOnly)
      const ports = i === 0 && !(mine === 'denied' && allowedOnly) ? [...agreeing, ...d.ranges] : d.ranges;
      out.push({ ...base, ports: mergeRanges(ports), disagreement: { ports: mergeRanges(d.ranges), other: theirs, mechanisms: [...d.mechanisms].sort() } });
    });
  }
  return out;
}

/**
 * The groups edges are shown between (workloads; peers outside, with nodes folded in summary mode),
 * and for each class the groups of its members with their counts, as flat [group, count, ...] lists.
 */
function groupClasses(engine: Engine, classes: ClassIndex, mode: OutsideMode, namespaces?: readonly string[]): { groups: Group[]; members: number[][]; index: Map<string, number> } {
  const groups: Group[] = [];
  const index = new Map<string, number>();
  const groupOf = (id: string, make: () => Group): number => {
    let i = index.get(id);
    if (i === undefined) {
      index.set(id, (i = groups.length));
      groups.push(make());
    }
    return i;
  };
  const nodeCount = engine.cluster.nodes.length;
  const members = classes.classes.map((c: EndpointClass): number[] => {
    const m = new Map<number, number>();
    if (c.outside) {
      if (mode === 'none') return [];
      const peer = c.outside;
      const folded = mode === 'summary' && peer.kind === 'node';
      const id = folded ? NODES : peer.name;
      const g = groupOf(id, () => ({
        id,
        size: 0,
        outside: true,
        inScope: false,
        node: folded
          ? { id, kind: 'nodes', members: nodeCount }
          : { id, kind: peer.kind, ...(peer.family ? { family: peer.family } : {}), ...(peer.cidr ? { cidr: peer.cidr } : {}), ...(peer.except ? { except: peer.except } : {}) },
      }));
      groups[g]!.size++;
      m.set(g, 1);
    }
    for (const p of c.pods) {
      const id = workloadId(p);
      const g = groupOf(id, () => ({ id, size: 0, outside: false, inScope: !namespaces || namespaces.includes(p.namespace) }));
      groups[g]!.size++;
      m.set(g, (m.get(g) ?? 0) + 1);
    }
    return [...m].flat();
  });
  return { groups, members, index };
}

/**
 * Summary mode: a workload whose answer is the same toward every peer outside (or from every peer
 * outside) gets one row with `outside` instead of one per peer.
 */
function summarizeOutside(edges: MatrixEdge[], peers: Map<string, OutsideNode>): MatrixEdge[] {
  if (peers.size < 2) return edges;
  // (workload, direction) -> peer -> what its edges say
  const answers = new Map<string, Map<string, string>>();
  const keyOf = (e: MatrixEdge): string | undefined => (peers.has(e.to) ? `${e.from}\u0000>` : peers.has(e.from) ? `${e.to}\u0000<` : undefined);
  for (const e of edges) {
    const k = keyOf(e);
    if (!k) continue;
    const peer = k.endsWith('>') ? e.to : e.from;
    let m = answers.get(k);
    if (!m) answers.set(k, (m = new Map()));
    m.set(peer, `${m.get(peer) ?? ''}|${e.allowed}${e.partial}${JSON.stringify(e.ports)}${e.disagreement ? JSON.stringify(e.disagreement) : ''}`);
  }
  const collapsed = new Set<string>();
  for (const [k, m] of answers) {
    // with allowedOnly, a peer without edges is denied everywhere: the same answer as another such peer only
    const values = [...peers.keys()].map((p) => m.get(p) ?? '');
    if (values.every((v) => v === values[0])) collapsed.add(k);
  }
  if (collapsed.size === 0) return edges;
  const out: MatrixEdge[] = [];
  const emitted = new Set<string>();
  for (const e of edges) {
    const k = keyOf(e);
    if (!k || !collapsed.has(k)) {
      out.push(e);
      continue;
    }
    const outward = k.endsWith('>');
    const first = [...peers.keys()][0]!;
    if ((outward ? e.to : e.from) !== first) continue; // one peer's edges stand for all
    out.push({ ...e, ...(outward ? { to: OUTSIDE } : { from: OUTSIDE }) });
    emitted.add(k);
  }
  if (emitted.size) peers.set(OUTSIDE, { id: OUTSIDE, kind: 'outside', members: [...peers.values()].reduce((n, p) => n + (p.members ?? 1), 0) });
  return out;
}

export interface NamespaceEdge {
  from: string;
  to: string;
  /** The ports some pod pair between the two may use. */
  ports: PortRange[];
  /** Allowed pod pairs between the two, on the port class that allows the most. */
  podPairs: number;
}

/**
 * Allowed connections folded to namespaces (and peers outside, nodes folded): what a graph of a large
 * cluster shows before a namespace is opened. One pass over the class rows per class of ports; never
 * lists workload pairs.
 */
export function computeNamespaceMatrix(
  engine: Engine,
  options: { port?: number; protocol?: Protocol; world?: OutsideWorld } = {},
): { namespaces: string[]; outside: OutsideNode[]; edges: NamespaceEdge[] } {
  const classes = new ClassIndex(engine.cluster, engine.ctx, options.world);
  const reach = new Reachability(engine, classes);
  const queries = queriesFor(engine, options);
  const groupOf = (c: EndpointClass): string => (c.pod ? c.pod.namespace : c.outside!.kind === 'node' ? NODES : c.outside!.name);
  const sizeOf = (c: EndpointClass): number => (c.pod ? c.pods.length : 1);
  const edges = new Map<string, NamespaceEdge>();
  for (const q of queries) {
    const pairs = new Map<string, number>();
    for (const { from: s, allowed } of reach.rows(q.rep)) {
      for (const di of eachMember(allowed)) {
        const d = classes.classes[di]!;
        if ((s.outside && d.outside) || groupOf(d) === groupOf(s)) continue;
        const k = `${groupOf(s)}\u0000${groupOf(d)}`;
        pairs.set(k, (pairs.get(k) ?? 0) + sizeOf(s) * sizeOf(d));
      }
    }
    for (const [k, n] of pairs) {
      const [from, to] = k.split('\u0000') as [string, string];
      const e = edges.get(k);
      if (e) {
        e.ports.push(...q.ranges);
        e.podPairs = Math.max(e.podPairs, n);
      } else edges.set(k, { from, to, ports: [...q.ranges], podPairs: n });
    }
  }
  for (const e of edges.values()) e.ports = mergeRanges(e.ports);
  const outside = new Map<string, OutsideNode>();
  for (const c of classes.classes) {
    if (!c.outside) continue;
    const id = groupOf(c);
    if (!outside.has(id)) outside.set(id, id === NODES ? { id, kind: 'nodes', members: engine.cluster.nodes.length } : { id, kind: c.outside.kind });
  }
  return { namespaces: [...engine.cluster.namespaces.keys()].sort(), outside: [...outside.values()], edges: [...edges.values()] };
}
