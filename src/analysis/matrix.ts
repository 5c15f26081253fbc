/**
 * `podwall matrix`: which workloads, and which peers outside the pod network, may reach which, as
 * sets of protocols and port ranges. Built on the class-level reachability, one query per class of
 * ports (ports.ts), then expanded to workloads and peers, with adjacent ranges of equal answers merged.
 */
import { members as eachMember } from '../engine/bitset.js';
import { ClassIndex, type EndpointClass } from '../engine/classes.js';
import { Engine } from '../engine/engine.js';
import type { OutsideKind, OutsideWorld } from '../engine/outside.js';
import { mergeRanges, onlyProtocol, portClasses, singlePort, type PortClass, type PortRange } from '../engine/ports.js';
import { Reachability } from '../engine/reachability.js';
import { workloadId, type Protocol } from '../model/cluster.js';
import { computeEksMatrix } from './matrix-eks.js';
import { streamMatrix } from './matrix-stream.js';

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
export type MatrixDataplane = { name: 'kubernetes' } | { name: 'eks'; version: string; compute: 'auto' | 'ec2'; controller?: string };

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
  /** Marks left without mechanisms: more distinct disagreements than MECHANISM_LIMIT (explain names them). */
  unnamedDisagreements?: number;
}

/** At most this many comparisons (each switches every mechanism) name the mechanisms of one matrix. */
export const MECHANISM_LIMIT = 2000;

export const OUTSIDE = 'outside';
export const NODES = 'nodes';

export interface Group {
  id: string;
  size: number;
  outside: boolean;
  inScope: boolean;
  node?: OutsideNode;
}

/** Is the pair of groups a row of the matrix: never outside to outside; with exposure, crossing the edge (to `peer`); within scope. */
export function pairShown(options: MatrixOptions, s: Group, d: Group): boolean {
  if (s.outside && d.outside) return false; // outside to outside is no connection of the cluster
  if (options.exposure) {
    if (s.outside === d.outside) return false;
    const peer = s.outside ? s : d;
    if (options.peer && peer.id !== options.peer) return false;
  }
  return !options.namespaces || s.inScope || d.inScope;
}

/**
 * What pairShown reads of a source group, as a key: sources with equal keys are shown toward the same
 * destinations, so the walk (matrix-walk.ts) lists those once per key and computes nothing else.
 */
export function shownKind(options: MatrixOptions, s: Group): string {
  return `${s.outside ? 1 : 0}${s.inScope ? 1 : 0}${s.outside && s.id === options.peer ? 1 : 0}`;
}

export function computeMatrix(engine: Engine, options: MatrixOptions = {}): MatrixResult {
  // the EKS answer is counted per pair of map-equal pod groups, with the specification's beside it for
  // the marks (matrix-eks.ts); the specification's alone streams, one source at a time
  if (options.dataplane?.name === 'eks') return computeEksMatrix(engine, options, options.dataplane);
  const stream = streamMatrix(engine, options);
  const edges = [...stream.edges()];
  return { ...stream.nodes(), edges, ...(options.dataplane ? { dataplane: options.dataplane } : {}) };
}

/** One port (`port`, TCP unless `protocol`), every port of `protocol`, or every port of every protocol. */
export function queriesFor(engine: Engine, options: { port?: number; protocol?: Protocol }): PortClass[] {
  if (options.port !== undefined) return singlePort(options.port, options.protocol ?? 'TCP');
  const all = portClasses([engine.cluster]);
  return options.protocol ? onlyProtocol(all, options.protocol) : all;
}

/**
 * The groups edges are shown between (workloads; peers outside, with nodes folded in summary mode),
 * and for each class the groups of its members with their counts, as flat [group, count, ...] lists.
 */
export function groupClasses(engine: Engine, classes: ClassIndex, mode: OutsideMode, namespaces?: readonly string[]): { groups: Group[]; members: number[][]; index: Map<string, number> } {
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
  options: { port?: number; protocol?: Protocol; world?: OutsideWorld; within?: boolean } = {},
): { namespaces: string[]; outside: OutsideNode[]; edges: NamespaceEdge[] } {
  const classes = new ClassIndex(engine.cluster, engine.ctx, options.world);
  const reach = new Reachability(engine, classes);
  const queries = queriesFor(engine, options);
  const groupOf = (c: EndpointClass): string => (c.pod ? c.pod.namespace : c.outside!.kind === 'node' ? NODES : c.outside!.name);
  const sizeOf = (c: EndpointClass): number => (c.pod ? c.pods.length : 1);
  // from -> to, nested: a Map keyed by namespace pairs would exceed its 2^24 entries past ~4,096 namespaces
  const edges = new Map<string, Map<string, NamespaceEdge>>();
  const list: NamespaceEdge[] = [];
  for (const q of queries) {
    const pairs = new Map<string, Map<string, number>>();
    for (const { from: s, allowed } of reach.rows(q.rep)) {
      for (const di of eachMember(allowed)) {
        const d = classes.classes[di]!;
        if (s.outside && d.outside) continue;
        // `within`: a namespace's edge to itself when two of its pods may talk (a pod to itself is no connection)
        const n = d === s ? sizeOf(s) * (sizeOf(s) - 1) : sizeOf(s) * sizeOf(d);
        if (groupOf(d) === groupOf(s) && (!options.within || s.outside || n === 0)) continue;
        let row = pairs.get(groupOf(s));
        if (!row) pairs.set(groupOf(s), (row = new Map()));
        row.set(groupOf(d), (row.get(groupOf(d)) ?? 0) + n);
      }
    }
    for (const [from, row] of pairs) {
      let known = edges.get(from);
      if (!known) edges.set(from, (known = new Map()));
      for (const [to, n] of row) {
        const e = known.get(to);
        if (e) {
          e.ports.push(...q.ranges);
          e.podPairs = Math.max(e.podPairs, n);
        } else {
          const made = { from, to, ports: [...q.ranges], podPairs: n };
          known.set(to, made);
          list.push(made);
        }
      }
    }
  }
  for (const e of list) e.ports = mergeRanges(e.ports);
  const outside = new Map<string, OutsideNode>();
  for (const c of classes.classes) {
    if (!c.outside) continue;
    const id = groupOf(c);
    if (!outside.has(id)) outside.set(id, id === NODES ? { id, kind: 'nodes', members: engine.cluster.nodes.length } : { id, kind: c.outside.kind });
  }
  return { namespaces: [...engine.cluster.namespaces.keys()].sort(), outside: [...outside.values()], edges: list };
}
