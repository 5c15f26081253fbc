/**
 * The matrix on the EKS data plane: the specification's classes split further by the agent's maps, each
 * pair of map-equal pod groups decided once per map entry (eks-matrix.ts counts both planes), and the
 * ranges where the specification answers differently marked on the edges with the mechanisms compare.ts
 * names. Held to the pair-by-pair EKS decider on random clusters (test/eks/matrix.property.test.ts).
 * Unlike the specification's matrix it is collected whole, not streamed.
 */
import { ClassIndex } from '../engine/classes.js';
import type { Endpoint } from '../engine/endpoint.js';
import type { Engine } from '../engine/engine.js';
import { mergeRanges, type PortClass, type PortQuery, type PortRange } from '../engine/ports.js';
import { Reachability } from '../engine/reachability.js';
import { Dataplanes } from '../eks/compare.js';
import { workloadId } from '../model/cluster.js';
import { answerOf, countBothPlanes, type GroupView } from './eks-matrix.js';
import { groupClasses, MECHANISM_LIMIT, pairShown, OUTSIDE, queriesFor, type Group, type MatrixDataplane, type MatrixEdge, type MatrixOptions, type MatrixResult, type OutsideNode, type WorkloadNode } from './matrix.js';

export function computeEksMatrix(engine: Engine, options: MatrixOptions, dataplane: MatrixDataplane & { name: 'eks' }): MatrixResult {
  const classes = new ClassIndex(engine.cluster, engine.ctx, options.world);
  const reach = new Reachability(engine, classes);
  const mode = options.outside ?? 'summary';
  const { groups, members, index } = groupClasses(engine, classes, mode, options.namespaces);
  const queries = queriesFor(engine, options);
  const G = groups.length;
  const wanted = (gs: Group, gd: Group): boolean => pairShown(options, gs, gd);
  const total = (gs: number, gd: number): number => groups[gs]!.size * groups[gd]!.size - (gs === gd ? groups[gs]!.size : 0);

  let unnamed = 0;
  // the EKS answer, exactly, with the specification's beside it for the marks
  const planes = new Dataplanes(engine.cluster, { version: dataplane.version, compute: dataplane.compute });
  const view: GroupView = {
    G,
    groupOfPod: (p) => index.get(workloadId(p)),
    outsideMembers: (c) => members[c.index]!,
    wanted: (gs, gd) => wanted(groups[gs]!, groups[gd]!),
  };
  const both = countBothPlanes(planes, classes, reach, queries, view);
  const counts = both.eks;
  const ports = both.queries;
  // one comparison per witness pair and class of ports, however many workload pairs it stands for; a
  // comparison switches every mechanism in turn, so past MECHANISM_LIMIT of them the rest go unnamed
  const named = new Map<[Endpoint, Endpoint], string[][]>();
  let compared = 0;
  const mechanisms = (k: number, qi: number): string[] => {
    const w = both.witness.get(k * both.queries.length + qi);
    if (!w) return [];
    let list = named.get(w);
    if (!list) named.set(w, (list = []));
    if (list[qi] === undefined && compared >= MECHANISM_LIMIT) {
      unnamed++;
      return [];
    }
    if (list[qi] === undefined) compared++;
    return (list[qi] ??= mechanismsOf(planes, w, both.queries[qi]!.rep));
  };
  const other = (k: number): Other => ({ counts: both.spec.get(k)!, mechanisms: (qi) => mechanisms(k, qi) });

  let edges: MatrixEdge[] = [];
  const everywhere = mergeRanges(queries.flatMap((q) => q.ranges));
  for (const [k, c] of counts) {
    const gs = Math.floor(k / G);
    const gd = k % G;
    edges.push(...edgesOf(groups[gs]!.id, groups[gd]!.id, c, total(gs, gd), ports, options.allowedOnly, other(k)));
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
    dataplane,
    ...(unnamed ? { unnamedDisagreements: unnamed } : {}),
  };
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
