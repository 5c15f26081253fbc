/**
 * `podwall matrix`: which workloads, and which peers outside the pod network, may reach which, as
 * sets of protocols and port ranges. Built on the class-level reachability, one query per class of
 * ports (ports.ts), then expanded to workloads and peers, with adjacent ranges of equal answers merged.
 */
import { members as eachMember } from '../engine/bitset.js';
import { ClassIndex, type EndpointClass } from '../engine/classes.js';
import { Engine } from '../engine/engine.js';
import type { OutsideWorld } from '../engine/outside.js';
import { mergeRanges, type PortRange } from '../engine/ports.js';
import { Reachability } from '../engine/reachability.js';
import type { Protocol } from '../net/protocol.js';
import { queriesFor } from './matrix-groups.js';
import { computeEksMatrix } from './matrix-eks.js';
import { streamMatrix } from './matrix-stream.js';
import { NODES, type MatrixOptions, type MatrixResult, type OutsideNode } from './matrix-types.js';

// the vocabulary and the groups live apart (matrix-types.ts, matrix-groups.ts) so that the computations
// this module dispatches to can use them without importing it; its clients keep this one door
export { MECHANISM_LIMIT, NODES, OUTSIDE } from './matrix-types.js';
export type { Disagreement, MatrixDataplane, MatrixEdge, MatrixOptions, MatrixResult, OutsideMode, OutsideNode, WorkloadNode } from './matrix-types.js';
export { groupClasses, queriesFor } from './matrix-groups.js';

export function computeMatrix(engine: Engine, options: MatrixOptions = {}): MatrixResult {
  // the EKS answer is counted per pair of map-equal pod groups, with the specification's beside it for
  // the marks (matrix-eks.ts); the specification's alone streams, one source at a time
  if (options.dataplane?.name === 'eks') return computeEksMatrix(engine, options, options.dataplane);
  const stream = streamMatrix(engine, options);
  const edges = [...stream.edges()];
  return { ...stream.nodes(), edges, ...(options.dataplane ? { dataplane: options.dataplane } : {}) };
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
