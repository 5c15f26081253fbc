/**
 * A matrix around a focus, for large clusters: only the pairs with one end in the focus (one namespace's
 * workloads, or one workload), every other pod grouped as the caller says (into its namespace, or its
 * workload), peers outside each on their own (the nodes folded). `computeMatrix` expands every pair of
 * the cluster before a filter keeps a few; here a row of a source outside the focus is only read at the
 * focus's classes, so the cost is the class-level rows (as the folded namespace graph pays) plus the
 * focus's own pairs. Same tier logic (the engine's Reachability), same answers per pair.
 */
import { has, members as eachMember } from '../engine/bitset.js';
import { ClassIndex } from '../engine/classes.js';
import type { Engine } from '../engine/engine.js';
import type { OutsideWorld } from '../engine/outside.js';
import { mergeRanges, onlyProtocol, portClasses, singlePort, type PortClass, type PortRange } from '../engine/ports.js';
import { Reachability } from '../engine/reachability.js';
import { NODES, type MatrixEdge } from '../analysis/matrix.js';
import type { Pod } from '../model/cluster.js';
import type { Protocol } from '../net/protocol.js';
import { GroupTable } from './group-table.js';

export interface FocusOptions {
  world: OutsideWorld;
  /** The group a pod is shown as (its workload, or its namespace). */
  groupOf(pod: Pod): string;
  /** Groups in the focus: every edge has one end among them. */
  inFocus(group: string): boolean;
  port?: number;
  protocol?: Protocol;
  /** Also the ports on which no pod pair is allowed (the denied view). */
  denied?: boolean;
}

export function focusedMatrix(engine: Engine, o: FocusOptions): MatrixEdge[] {
  const classes = new ClassIndex(engine.cluster, engine.ctx, o.world);
  const reach = new Reachability(engine, classes);
  const groups = new GroupTable();
  const { ids, size, outside } = groups;
  const groupIndex = (id: string, isOutside: boolean): number => groups.add(id, isOutside);
  // per class: [group, members, group, members, ...]
  const members = classes.classes.map((c): number[] => {
    if (c.outside) {
      const g = groupIndex(c.outside.kind === 'node' ? NODES : c.outside.name, true);
      size[g]!++;
      return [g, 1];
    }
    const m = new Map<number, number>();
    for (const p of c.pods) {
      const g = groupIndex(o.groupOf(p), false);
      size[g]!++;
      m.set(g, (m.get(g) ?? 0) + 1);
    }
    return [...m].flat();
  });
  const focus = ids.map((id, g) => !outside[g] && o.inFocus(id));
  const focusClasses = classes.classes.filter((c) => members[c.index]!.some((g, i) => i % 2 === 0 && focus[g]!)).map((c) => c.index);
  const focusClass = new Set(focusClasses);
  const queries: PortClass[] = o.port !== undefined ? singlePort(o.port, o.protocol ?? 'TCP') : o.protocol ? onlyProtocol(portClasses([engine.cluster]), o.protocol) : portClasses([engine.cluster]);
  const G = ids.length;
  const counts = new Map<number, Uint32Array>();
  const Q = queries.length;
  for (let qi = 0; qi < Q; qi++) {
    for (const { from: s, allowed } of reach.rows(queries[qi]!.rep)) {
      const sm = members[s.index]!;
      if (sm.length === 0) continue;
      const dests = focusClass.has(s.index) ? eachMember(allowed) : focusClasses.filter((d) => has(allowed, d));
      for (const d of dests) {
        if (s.outside && classes.classes[d]!.outside) continue; // outside to outside is no connection of the cluster
        const dm = members[d]!;
        for (let a = 0; a < sm.length; a += 2) {
          const gs = sm[a]!;
          for (let b = 0; b < dm.length; b += 2) {
            const gd = dm[b]!;
            if (!focus[gs] && !focus[gd]) continue;
            // a pod talking to itself is not a connection between two pods
            const pairs = sm[a + 1]! * dm[b + 1]! - (s.index === d && gs === gd ? sm[a + 1]! : 0);
            if (pairs === 0) continue;
            const k = gs * G + gd;
            let c = counts.get(k);
            if (!c) counts.set(k, (c = new Uint32Array(Q)));
            c[qi]! += pairs;
          }
        }
      }
    }
  }
  const total = (gs: number, gd: number): number => size[gs]! * size[gd]! - (gs === gd ? size[gs]! : 0);
  const edges: MatrixEdge[] = [];
  const zero = new Uint32Array(Q);
  const pairsToShow = o.denied ? allFocusPairs(focus, outside, G) : counts.keys();
  for (const k of pairsToShow) {
    const gs = Math.floor(k / G);
    const gd = k % G;
    const t = total(gs, gd);
    if (t === 0) continue;
    edges.push(...edgesOf(ids[gs]!, ids[gd]!, counts.get(k) ?? zero, t, queries, !o.denied));
  }
  return edges;
}

/** Every pair with an end in the focus (peers outside never meet each other). */
function* allFocusPairs(focus: boolean[], outside: boolean[], G: number): Generator<number> {
  for (let f = 0; f < G; f++) {
    if (!focus[f]) continue;
    for (let g = 0; g < G; g++) {
      yield f * G + g;
      if (!focus[g]) yield g * G + f;
    }
  }
  void outside;
}

/** A pair's answer per class of ports: allowed for every pod pair, for some (partial), for none. */
function edgesOf(from: string, to: string, c: Uint32Array, total: number, queries: PortClass[], allowedOnly: boolean): MatrixEdge[] {
  const allow: PortRange[] = [];
  const partial: PortRange[] = [];
  const deny: PortRange[] = [];
  for (let qi = 0; qi < queries.length; qi++) {
    const n = c[qi]!;
    (n === 0 ? deny : n < total ? partial : allow).push(...queries[qi]!.ranges);
  }
  const out: MatrixEdge[] = [];
  if (allow.length) out.push({ from, to, allowed: true, partial: false, ports: mergeRanges(allow) });
  if (partial.length) out.push({ from, to, allowed: true, partial: true, ports: mergeRanges(partial) });
  if (deny.length && !allowedOnly) out.push({ from, to, allowed: false, partial: false, ports: mergeRanges(deny) });
  return out;
}
