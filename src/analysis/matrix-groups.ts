/**
 * What a matrix is made over: the groups its edges are shown between (workloads; peers outside, nodes folded
 * in summary mode), which pairs of groups are shown, and the classes of ports asked. Shared by both planes'
 * computations (matrix-stream.ts, matrix-eks.ts), the walk (matrix-walk.ts) and the namespace matrix (matrix.ts).
 */
import type { ClassIndex, EndpointClass } from '../engine/classes.js';
import type { Engine } from '../engine/engine.js';
import { onlyProtocol, portClasses, singlePort, type PortClass } from '../engine/ports.js';
import { workloadId } from '../model/cluster.js';
import type { Protocol } from '../net/protocol.js';
import { NODES, type MatrixOptions, type OutsideMode, type OutsideNode } from './matrix-types.js';

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
