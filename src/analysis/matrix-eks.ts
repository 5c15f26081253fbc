/**
 * The matrix on the EKS data plane: the specification's classes split further by the content of the agent's
 * maps (eks-joint.ts), each pair of such classes decided once (eks-matrix.ts counts both planes), and the
 * ranges where the specification answers differently marked on the edges with the mechanisms compare.ts
 * names. Held to the pair-by-pair EKS decider on random clusters (test/eks/matrix.property.test.ts).
 *
 * Streamed by the walk the specification's matrix takes (matrix-walk.ts): one source at a time, in the order
 * it is printed, so that what is kept is one source's counts (groups x classes of ports), one flag per group,
 * and the mechanisms named so far (at most MECHANISM_LIMIT comparisons). The order is the collected matrix's:
 * workloads before peers outside, each by the locale's collation of its id; a pair's allowed, partly allowed
 * and denied edges. This file gives the walk a pair's edges, with their marks.
 */
import { ClassIndex } from '../engine/classes.js';
import type { Engine } from '../engine/engine.js';
import { mergeRanges, type PortClass, type PortQuery, type PortRange } from '../engine/ports.js';
import { Reachability } from '../engine/reachability.js';
import { Dataplanes } from '../eks/compare.js';
import { workloadId } from '../model/cluster.js';
import type { Endpoint } from '../model/endpoint.js';
import { answerOf, EksCounts, type GroupView } from './eks-matrix.js';
import { groupClasses, pairShown, queriesFor, type Group } from './matrix-groups.js';
import { MECHANISM_LIMIT, type MatrixDataplane, type MatrixEdge, type MatrixOptions, type MatrixResult, type OutsideNode, type WorkloadNode } from './matrix-types.js';
import { MatrixWalk, type PlaneRows, type SourceProgress } from './matrix-walk.js';

export interface EksMatrixStream {
  /** The edges, in the collected matrix's order; each call computes them again. */
  edges(): Generator<MatrixEdge>;
  /** The workloads and peers outside that the edges name (after edges() has run, at no cost; else one pass first). */
  nodes(): { workloads: WorkloadNode[]; outside: OutsideNode[] };
  readonly dataplane: MatrixDataplane & { name: 'eks' };
  /** Marks left without mechanisms (more than MECHANISM_LIMIT distinct comparisons), once edges() has run. */
  readonly unnamedDisagreements: number;
  /** How many sources (rows of groups) edges() walks: what progress counts. */
  readonly sources: number;
  /** Both data planes of the cluster, as the marks were named on them: what explains a connection beside the matrix. */
  readonly planes: Dataplanes;
}

export function streamEksMatrix(engine: Engine, options: MatrixOptions, dataplane: MatrixDataplane & { name: 'eks' }, onSource?: SourceProgress): EksMatrixStream {
  return new EksRows(engine, options, dataplane, onSource);
}

export function computeEksMatrix(engine: Engine, options: MatrixOptions, dataplane: MatrixDataplane & { name: 'eks' }): MatrixResult {
  const stream = streamEksMatrix(engine, options, dataplane);
  const edges = [...stream.edges()];
  return { ...stream.nodes(), edges, dataplane, ...(stream.unnamedDisagreements ? { unnamedDisagreements: stream.unnamedDisagreements } : {}) };
}

/** Edges of pairs where the planes agree, kept per answer; a cluster rarely has more than a few hundred. */
const ANSWER_CACHE = 1 << 16;

class EksRows implements EksMatrixStream {
  readonly planes: Dataplanes;
  private readonly counts: EksCounts;
  private readonly groups: Group[];
  private readonly ports: PortClass[];
  /** The printed order, the folding of peers outside and the nodes (matrix-walk.ts, as the specification's). */
  private readonly walk: MatrixWalk;
  private unnamed = 0;
  /** Comparisons made, and the mechanisms each witness pair and class of ports gave. */
  private compared = 0;
  private readonly named = new Map<number, string[][]>();
  private readonly answers = new Map<number | string, Omit<MatrixEdge, 'from' | 'to'>[]>();
  readonly sources: number;

  constructor(
    engine: Engine,
    private readonly options: MatrixOptions,
    readonly dataplane: MatrixDataplane & { name: 'eks' },
    onSource?: SourceProgress,
  ) {
    const classes = new ClassIndex(engine.cluster, engine.ctx, options.world);
    const reach = new Reachability(engine, classes);
    const mode = options.outside ?? 'summary';
    const { groups, members, index } = groupClasses(engine, classes, mode, options.namespaces);
    this.groups = groups;
    // the EKS answer, exactly, with the specification's beside it for the marks
    this.planes = new Dataplanes(engine.cluster, { version: dataplane.version, compute: dataplane.compute, controller: dataplane.controller });
    const view: GroupView = {
      G: groups.length,
      groupOfPod: (p) => index.get(workloadId(p)),
      outsideMembers: (c) => members[c.index]!,
      wanted: (gs, gd) => pairShown(options, groups[gs]!, groups[gd]!),
    };
    this.counts = new EksCounts(this.planes, classes, reach, queriesFor(engine, options), view);
    this.ports = this.counts.queries;
    const rows: PlaneRows = {
      count: (gs, toward) => this.counts.count(gs, toward),
      pairEdges: (gs, gd, firstWalk) => this.pairEdges(gs, gd, firstWalk),
      // summary mode folds peers outside whose edges print alike (marks and mechanisms included)
      likeness: (gs, gd) => textOf(this.pairEdges(gs, gd, false)) || null,
      // -n: whole rows for the namespace's sources only, their ingress sides in lanes (as the specification's)
      wholeRowsFor: (gs) => this.counts.wholeRowsFor(gs),
    };
    this.walk = new MatrixWalk(engine.cluster, groups, mode === 'summary', rows, onSource, options);
    this.sources = this.walk.sources;
  }

  get unnamedDisagreements(): number {
    if (!this.walk.walked) for (const _ of this.edges());
    return this.unnamed;
  }

  edges(): Generator<MatrixEdge> {
    return this.walk.edges();
  }

  nodes(): { workloads: WorkloadNode[]; outside: OutsideNode[] } {
    return this.walk.nodes();
  }

  /**
   * The counted source's edges toward `gd` (without their ends): where the planes agree, kept per answer;
   * where they disagree, made for the pair with the mechanisms named on its witnesses. `counting`: a mark left
   * unnamed is counted (once per pass of edges(), the first).
   */
  private pairEdges(gs: number, gd: number, counting: boolean): readonly Omit<MatrixEdge, 'from' | 'to'>[] {
    if (!pairShown(this.options, this.groups[gs]!, this.groups[gd]!)) return [];
    const size = this.groups[gs]!.size;
    // a pod talking to itself is not a connection between two pods
    const total = size * this.groups[gd]!.size - (gs === gd ? size : 0);
    if (total === 0) return [];
    const Q = this.ports.length;
    const base = gd * Q;
    const { eks, spec } = this.counts;
    // each class of ports: the answers of both planes (none, some, every pair), as a number while it stays exact
    let key: number | string = 0;
    let differs = false;
    const cat = (n: number): number => (n === 0 ? 0 : n < total ? 1 : 2);
    if (Q <= 16) {
      for (let qi = 0; qi < Q; qi++) {
        const a = cat(eks[base + qi]!);
        const b = cat(spec[base + qi]!);
        if (a !== b) differs = true;
        key = key * 9 + a * 3 + b;
      }
    } else {
      key = '';
      for (let qi = 0; qi < Q; qi++) {
        const a = cat(eks[base + qi]!);
        const b = cat(spec[base + qi]!);
        if (a !== b) differs = true;
        key += String(a * 3 + b);
      }
    }
    const made = (): Omit<MatrixEdge, 'from' | 'to'>[] =>
      edgesOf(eks.subarray(base, base + Q), total, this.ports, this.options.allowedOnly, { counts: spec.subarray(base, base + Q), mechanisms: (qi) => this.mechanisms(gd, qi, counting) });
    if (differs) return made();
    let edges = this.answers.get(key);
    if (!edges) {
      if (this.answers.size >= ANSWER_CACHE) this.answers.clear();
      this.answers.set(key, (edges = made()));
    }
    return edges;
  }

  /**
   * The mechanisms behind a difference toward `gd` on class of ports `qi`: one comparison per witness pair and
   * class of ports, however many workload pairs it stands for; a comparison switches every mechanism in turn,
   * so past MECHANISM_LIMIT of them the rest go unnamed.
   */
  private mechanisms(gd: number, qi: number, counting: boolean): string[] {
    const w = this.counts.witness(gd, qi);
    if (!w) return [];
    let list = this.named.get(w.id);
    if (list?.[qi] !== undefined) return list[qi]!;
    if (this.compared >= MECHANISM_LIMIT) {
      if (counting) this.unnamed++;
      return [];
    }
    if (!list) this.named.set(w.id, (list = []));
    this.compared++;
    return (list[qi] = mechanismsOf(this.planes, w.ends, this.ports[qi]!.rep));
  }
}

/** What decides whether two pairs' edges print alike ('' when there are none). */
function textOf(edges: readonly Omit<MatrixEdge, 'from' | 'to'>[]): string {
  let text = '';
  for (const e of edges) text += `|${e.allowed}${e.partial}${JSON.stringify(e.ports)}${e.disagreement ? JSON.stringify(e.disagreement) : ''}`;
  return text;
}

/** The other data plane's counts for one group pair, and the mechanisms behind a difference on a class of ports. */
interface Other {
  counts: ArrayLike<number>;
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
function edgesOf(c: ArrayLike<number>, total: number, queries: PortClass[], allowedOnly?: boolean, other?: Other): Omit<MatrixEdge, 'from' | 'to'>[] {
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
  const out: Omit<MatrixEdge, 'from' | 'to'>[] = [];
  for (const mine of ['allowed', 'partial', 'denied'] as const) {
    const byOther = buckets.get(mine);
    if (!byOther) continue;
    const agreeing = byOther.get(mine)?.ranges ?? [];
    const differing = [...byOther].filter(([theirs]) => theirs !== mine);
    if (mine === 'denied' && allowedOnly && differing.length === 0) continue;
    const base = { allowed: mine !== 'denied', partial: mine === 'partial' };
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
