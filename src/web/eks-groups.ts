/**
 * The EKS data plane's answers between groups of pods that a large cluster's dashboard folds them into
 * (namespaces, or one namespace's workloads with every other namespace folded, or one workload against every
 * other), with the specification's beside them for the marks. What `computeMatrix` under eks does per pair of
 * workloads (matrix-eks.ts), done per pair of the page's groups, on the same counts (eks-matrix.ts: classes
 * refined by the content of the agent's maps, both planes counted per pair of such classes), so that a folded
 * view never lists workload pairs it does not show. With a focus, only pairs with an end in it are decided.
 *
 * How a pair's answer reads, per class of ports:
 * - `pairs` (workload ends, as the workload matrix): allowed for every pod pair, some, or none; marked where the
 *   specification's answer of the same kind differs, exactly as the unfolded matrix marks a workload pair.
 * - `some` (folded namespaces): allowed where some pod pair may connect (what a folded namespace edge has always
 *   meant); marked where the two planes answer differently for at least one pod pair between the two groups,
 *   `other` being the specification's answer for the pairs between them (allowed for all, some or none).
 */
import { EksCounts, answerOf } from '../analysis/eks-matrix.js';
import { MECHANISM_LIMIT, NODES, queriesFor, type Disagreement, type MatrixEdge } from '../analysis/matrix.js';
import { ClassIndex } from '../engine/classes.js';
import type { Engine } from '../engine/engine.js';
import type { OutsideWorld } from '../engine/outside.js';
import { mergeRanges, type PortRange } from '../engine/ports.js';
import { Reachability } from '../engine/reachability.js';
import type { Dataplanes } from '../eks/compare.js';
import type { Pod } from '../model/cluster.js';
import type { Protocol } from '../net/protocol.js';
import { GroupTable } from './group-table.js';
import type { Progress } from './progress.js';

export interface EksGroupOptions {
  world: OutsideWorld;
  /** The group a pod is shown as (its workload, or its namespace); a peer outside is a group of its own (the nodes one). */
  groupOf(pod: Pod): string;
  /** Groups in focus: every pair has an end among them. Absent: every pair. */
  inFocus?(group: string): boolean;
  port?: number;
  protocol?: Protocol;
  /** `pairs`: workload ends, as the matrix reads a pair; `some`: folded ends, allowed where some pod pair is. */
  reading: 'pairs' | 'some';
  /** Also the ports on which no pod pair is allowed (the denied view). */
  denied?: boolean;
  /** A group's edge to itself (a folded namespace whose pods talk among themselves). */
  within?: boolean;
  /** How far it has got (progress.ts): the agent's maps of every pod, then the source groups counted. */
  report?(p: Progress): void;
  /** What the groups are called in those reports, as a reader counts them (`namespaces and peers outside`). */
  unit?: string;
}

/** Maps made between two reports (a report is cheap; this keeps it to a few hundred per view). */
const MAPS_STEP = 50;
/** The phases reported: the agent's maps of every pod, the pods classified, the groups decided. */
const STEPS = 3;

export interface GroupEdge extends MatrixEdge {
  /** Pod pairs the EKS data plane allows on the class of ports that allows the most. */
  podPairs: number;
}

/**
 * The edges, and the groups outside the pod network (the nodes folded into one), edges or not. `planes`: the
 * served cluster's (made once per cluster: the agent's maps of every pod are kept there).
 */
export function eksGroupMatrix(engine: Engine, planes: Dataplanes, o: EksGroupOptions): { edges: GroupEdge[]; outside: string[] } {
  const classes = new ClassIndex(engine.cluster, engine.ctx, o.world);
  const reach = new Reachability(engine, classes);
  const groups = new GroupTable();
  const { ids, size, outside } = groups;
  const groupIndex = (id: string, isOutside: boolean): number => groups.add(id, isOutside);
  const outsideMembers = new Map<number, number[]>();
  for (const c of classes.classes) {
    if (c.outside) {
      const g = groupIndex(c.outside.kind === 'node' ? NODES : c.outside.name, true);
      size[g]!++;
      outsideMembers.set(c.index, [g, 1]);
    } else for (const p of c.pods) size[groupIndex(o.groupOf(p), false)]!++;
  }
  const G = ids.length;
  // the agent's maps of every pod, made here first (the counts below make any that are missing, and the maps are
  // kept with the planes): on a large cluster they are the first minute, and a report between pods says so
  const pods = classes.classes.flatMap((c) => (c.outside ? [] : c.pods.filter((p) => !p.hostNetwork)));
  const mapsPhase = 'Building the EKS agent\'s maps of every pod';
  for (let i = 0; i < pods.length; i++) {
    if (o.report && i % MAPS_STEP === 0) o.report({ phase: mapsPhase, done: i, total: pods.length, unit: 'pods', step: 1, steps: STEPS });
    planes.eks.mapsOf(pods[i]!);
  }
  // one step with no figures of its own (eks-joint.ts): total 0
  o.report?.({ phase: 'Classifying the pods by what the agent\'s maps hold', done: 0, total: 0, unit: 'pods', step: 2, steps: STEPS });
  const focus = ids.map((id, g) => !outside[g] && (o.inFocus ? o.inFocus(id) : true));
  const wanted = (gs: number, gd: number): boolean => !(outside[gs] && outside[gd]) && (!o.inFocus || focus[gs]! || focus[gd]!);
  const counts = new EksCounts(planes, classes, reach, queriesFor(engine, o), {
    G,
    groupOfPod: (p) => groups.numberOf(o.groupOf(p)),
    outsideMembers: (c) => outsideMembers.get(c.index) ?? [],
    wanted,
  });
  const queries = counts.queries;
  const Q = queries.length;
  // mechanisms are named once per witness pair and class of ports, at most MECHANISM_LIMIT comparisons
  const named = new Map<number, string[][]>();
  let compared = 0;
  const mechanisms = (gd: number, qi: number): string[] => {
    const w = counts.witness(gd, qi);
    if (!w) return [];
    let list = named.get(w.id);
    if (list?.[qi] !== undefined) return list[qi]!;
    if (compared >= MECHANISM_LIMIT) return [];
    if (!list) named.set(w.id, (list = []));
    compared++;
    const rep = queries[qi]!.rep;
    return (list[qi] = planes.compare({ from: w.ends[0], to: w.ends[1], port: rep.port, protocol: rep.protocol }).mechanisms);
  };
  // every group is a source (toward the focus, when there is one: the count skips the rest at once)
  const sources = [...ids.keys()];
  const edges: GroupEdge[] = [];
  let done = 0;
  const walkPhase = 'Deciding the EKS answer between groups';
  const unit = o.unit ?? 'groups';
  o.report?.({ phase: walkPhase, done, total: sources.length, unit, step: 3, steps: STEPS });
  for (const gs of sources) {
    counts.count(gs);
    for (let gd = 0; gd < G; gd++) {
      if (!wanted(gs, gd) || (gs === gd && !o.within && o.reading === 'some')) continue;
      // a pod talking to itself is not a connection between two pods
      const total = size[gs]! * size[gd]! - (gs === gd ? size[gs]! : 0);
      if (total === 0) continue;
      edges.push(...pairEdges(ids[gs]!, ids[gd]!, gd, total));
    }
    o.report?.({ phase: walkPhase, done: ++done, total: sources.length, unit, step: 3, steps: STEPS });
  }
  return { edges, outside: ids.filter((_, g) => outside[g]) };

  /** The counted source's edges toward `gd`: one per answer and, where the planes differ, per answer of the specification. */
  function pairEdges(from: string, to: string, gd: number, total: number): GroupEdge[] {
    const base = gd * Q;
    type Answer = 'allowed' | 'partial' | 'denied';
    const buckets = new Map<string, { mine: Answer; theirs?: Answer; ranges: PortRange[]; mechanisms: Set<string> }>();
    let podPairs = 0;
    for (let qi = 0; qi < Q; qi++) {
      const e = counts.eks[base + qi]!;
      const s = counts.spec[base + qi]!;
      podPairs = Math.max(podPairs, e);
      const mine: Answer = o.reading === 'some' ? (e > 0 ? 'allowed' : 'denied') : answerOf(e, total);
      const theirs = answerOf(s, total);
      const differs = o.reading === 'some' ? counts.witness(gd, qi) !== undefined : theirs !== mine;
      const k = differs ? `${mine}|${theirs}` : mine;
      let b = buckets.get(k);
      if (!b) buckets.set(k, (b = { mine, ...(differs ? { theirs } : {}), ranges: [], mechanisms: new Set() }));
      b.ranges.push(...queries[qi]!.ranges);
      if (differs) for (const m of mechanisms(gd, qi)) b.mechanisms.add(m);
    }
    const out: GroupEdge[] = [];
    for (const mine of ['allowed', 'partial', 'denied'] as const) {
      const agreeing = buckets.get(mine)?.ranges ?? [];
      const differing = [...buckets.values()].filter((b) => b.mine === mine && b.theirs);
      // denied ranges both planes deny are no edge, unless the denied view asks for them
      const keepDenied = mine !== 'denied' || o.denied;
      if (differing.length === 0) {
        if (agreeing.length && keepDenied) out.push({ from, to, allowed: mine !== 'denied', partial: mine === 'partial', ports: mergeRanges(agreeing), podPairs });
        continue;
      }
      differing.forEach((b, i) => {
        // the agreeing ranges ride on the first edge
        const ports = i === 0 && keepDenied ? [...agreeing, ...b.ranges] : b.ranges;
        const disagreement: Disagreement = { ports: mergeRanges(b.ranges), other: b.theirs!, mechanisms: [...b.mechanisms].sort() };
        out.push({ from, to, allowed: mine !== 'denied', partial: mine === 'partial', ports: mergeRanges(ports), disagreement, podPairs });
      });
    }
    return out;
  }
}
