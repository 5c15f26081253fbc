/**
 * `podwall diff`: connections newly allowed and newly denied between two policy sets, per pair of
 * workloads or peers outside the pod network and per port range, each with the explanation under
 * the old and the new policies. Both sides are computed on the same split of the outside world, so
 * a CIDR added or removed shows as what it changes, not as a new peer.
 *
 * The two matrices are walked side by side, one source (row) at a time, and never held: a row of
 * each is compared and let go. The output lists the newly allowed before the newly denied, each by
 * source, destination and ports, under a header that counts them, so the walk is made up to three
 * times: once to count (keeping only what cannot wait for its place: the rows of peers outside, which
 * the matrix walks last but the order places among the workloads), then once per kind of change,
 * stopping after the last source that has one. Under the EKS data plane the matrix is computed whole
 * (eks-matrix.ts) and its rows are read from it.
 */
import type { Endpoint } from '../engine/endpoint.js';
import { Engine } from '../engine/engine.js';
import { OutsideWorld } from '../engine/outside.js';
import { describeRanges, intersectRanges, mergeRanges, type PortRange } from '../engine/ports.js';
import { Dataplanes } from '../eks/compare.js';
import { PROTOCOLS, workloadId, type Cluster, type Pod } from '../model/cluster.js';
import { summarize } from '../report/summary.js';
import { computeMatrix, type MatrixDataplane, type MatrixEdge, type MatrixOptions } from './matrix.js';
import { streamMatrix } from './matrix-stream.js';

export interface DiffChange {
  from: string;
  to: string;
  ports: PortRange[];
  change: 'newly-allowed' | 'newly-denied';
  /** Only some pod pairs of the two ends are allowed, before or after. */
  somePods: boolean;
  /** The explanations, on the first port of the ranges. */
  before: string;
  after: string;
  /**
   * Under a named data plane: the ranges of the change on which the other plane answers differently before
   * or after (so the change itself may differ there), and the mechanisms behind it.
   */
  disagreement?: { ports: PortRange[]; mechanisms: string[] };
}

/** A change only the other data plane would show. */
export interface OtherPlaneChange {
  from: string;
  to: string;
  ports: PortRange[];
  change: DiffChange['change'];
}

export interface DiffResult {
  changes: DiffChange[];
  /**
   * Under a named data plane: changes the other plane would show where this one shows none (the EKS answer
   * stays while the specification's changes, or the other way round); absent when there are none.
   */
  otherPlaneOnly?: OtherPlaneChange[];
  newlyAllowed: number;
  newlyDenied: number;
}

/** What the counting walk learns: what a header prints before the first change. */
export interface DiffSummary {
  newlyAllowed: number;
  newlyDenied: number;
  /** Does some change carry a disagreement mark (the markdown table then has a column for them). */
  marked: boolean;
  otherPlaneOnly?: OtherPlaneChange[];
}

/** A diff read as it is computed: the summary first (one walk, done once), then the changes in the result's order. */
export interface DiffStream {
  summary(): DiffSummary;
  /** The changes in DiffResult's order, explained as they come; each call walks again. */
  changes(): Generator<DiffChange>;
  /** The same without their explanations (what a table of ranges needs), at a fraction of the cost. */
  unexplained(): Generator<UnexplainedChange>;
}

/** A change before it is explained. */
export type UnexplainedChange = Omit<DiffChange, 'before' | 'after'>;

/** Told which walk begins (and over how many sources of the current state), then after each source. */
export interface DiffProgress {
  walk(name: 'counting' | 'newly allowed' | 'newly denied', sources: number): void;
  source(done: number): void;
}

/**
 * `dataplane` (absent: the specification) chooses whose answers are compared; with the EKS one, the
 * explanations add the EKS verdict where it differs from the specification's, and changes are marked where
 * the specification answers differently.
 */
export function diffClusters(oldCluster: Cluster, newCluster: Cluster, namespaces?: readonly string[], dataplane?: MatrixDataplane): DiffResult {
  const d = streamDiff(oldCluster, newCluster, namespaces, dataplane);
  const s = d.summary();
  return { changes: [...d.changes()], ...(s.otherPlaneOnly ? { otherPlaneOnly: s.otherPlaneOnly } : {}), newlyAllowed: s.newlyAllowed, newlyDenied: s.newlyDenied };
}

export function streamDiff(oldCluster: Cluster, newCluster: Cluster, namespaces?: readonly string[], dataplane?: MatrixDataplane, progress?: DiffProgress): DiffStream {
  return new DiffWalk(oldCluster, newCluster, namespaces, dataplane, progress);
}

/** One source's edges, by destination, in the order the matrix gave them. */
interface Row {
  from: string;
  to: Map<string, MatrixEdge[]>;
}

type Found = UnexplainedChange;

/** One policy set's side: its rows in the walk's order, and what explains a connection under it. */
interface Side {
  rows(): Iterable<Row>;
  explain(from: string, to: string, r: PortRange): string;
  /** How many sources a walk of its rows visits (for progress). */
  readonly sources: number;
}

const KINDS = ['newly-allowed', 'newly-denied'] as const;
const NO_EDGES = new Map<string, MatrixEdge[]>();

class DiffWalk implements DiffStream {
  private readonly before: Side;
  private readonly after: Side;
  /** The names of the peers outside: their rows come after every workload's in a matrix. */
  private readonly peers: Set<string>;
  private counted?: { summary: DiffSummary; workloadChanges: Record<Found['change'], number>; peerRows: Found[][] };

  constructor(
    oldCluster: Cluster,
    newCluster: Cluster,
    namespaces: readonly string[] | undefined,
    private readonly dataplane: MatrixDataplane | undefined,
    private readonly progress?: DiffProgress,
  ) {
    const world = new OutsideWorld([oldCluster, newCluster]);
    this.peers = new Set(world.peers.map((p) => p.name));
    const scope: MatrixOptions = { allowedOnly: true, outside: 'each', world, ...(namespaces ? { namespaces } : {}), ...(dataplane ? { dataplane } : {}) };
    // progress counts the current state's sources: the two walks go side by side
    this.before = side(oldCluster, world, scope, dataplane, this.peers, progress);
    this.after = side(newCluster, world, scope, dataplane, this.peers);
  }

  summary(): DiffSummary {
    return this.count().summary;
  }

  *changes(): Generator<DiffChange> {
    for (const found of this.rowsOfChanges()) yield* this.explained(found);
  }

  *unexplained(): Generator<UnexplainedChange> {
    for (const found of this.rowsOfChanges()) yield* found;
  }

  /** The changes in the result's order, a source's worth at a time. */
  private *rowsOfChanges(): Generator<Found[]> {
    const { workloadChanges, peerRows } = this.count();
    for (const kind of KINDS) {
      // the peers' rows were kept by the count: each goes where its source sorts among the workloads'
      const peers = peerRows.map((row) => row.filter((c) => c.change === kind)).filter((row) => row.length > 0);
      let p = 0;
      let left = workloadChanges[kind];
      if (left > 0) {
        this.progress?.walk(kind === 'newly-allowed' ? 'newly allowed' : 'newly denied', this.before.sources);
        for (const [from, before, after] of this.pairedRows()) {
          if (this.peers.has(from)) break;
          const found = this.compareRow(from, before, after).filter((c) => c.change === kind);
          if (!found.length) continue;
          while (p < peers.length && peers[p]![0]!.from.localeCompare(from) < 0) yield peers[p++]!;
          yield found;
          left -= found.length;
          if (left === 0) break; // the rest of the sources have none of this kind
        }
      }
      while (p < peers.length) yield peers[p++]!;
    }
  }

  /** The counting walk, once: the counts, the marks, the changes only the other plane shows, and the peers' rows. */
  private count(): NonNullable<DiffWalk['counted']> {
    if (this.counted) return this.counted;
    const workloadChanges = { 'newly-allowed': 0, 'newly-denied': 0 };
    const total = { 'newly-allowed': 0, 'newly-denied': 0 };
    const peerRows: Found[][] = [];
    const others: OtherPlaneChange[] = [];
    let marked = false;
    this.progress?.walk('counting', this.before.sources);
    for (const [from, before, after] of this.pairedRows()) {
      const found = this.compareRow(from, before, after, others);
      for (const c of found) {
        total[c.change]++;
        if (c.disagreement) marked = true;
      }
      if (this.peers.has(from)) {
        if (found.length) peerRows.push(found);
      } else for (const c of found) workloadChanges[c.change]++;
    }
    others.sort((x, y) => x.change.localeCompare(y.change) || x.from.localeCompare(y.from) || x.to.localeCompare(y.to));
    const summary: DiffSummary = { newlyAllowed: total['newly-allowed'], newlyDenied: total['newly-denied'], marked, ...(others.length ? { otherPlaneOnly: others } : {}) };
    peerRows.sort((x, y) => x[0]!.from.localeCompare(y[0]!.from));
    this.counted = { summary, workloadChanges, peerRows };
    return this.counted;
  }

  /** Both sides' rows, source by source (a source without edges on one side has an empty row there). */
  private *pairedRows(): Generator<[string, Map<string, MatrixEdge[]>, Map<string, MatrixEdge[]>]> {
    const a = this.before.rows()[Symbol.iterator]();
    const b = this.after.rows()[Symbol.iterator]();
    try {
      let x = a.next();
      let y = b.next();
      while (!x.done || !y.done) {
        const c = x.done ? 1 : y.done ? -1 : sourceOrder(this.peers, x.value.from, y.value.from);
        if (c < 0) {
          yield [x.value!.from, x.value!.to, NO_EDGES];
          x = a.next();
        } else if (c > 0) {
          yield [y.value!.from, NO_EDGES, y.value!.to];
          y = b.next();
        } else {
          yield [x.value!.from, x.value!.to, y.value!.to];
          x = a.next();
          y = b.next();
        }
      }
    } finally {
      a.return?.();
      b.return?.();
    }
  }

  /**
   * The changes of one source, by destination and ports as the result orders them; `others` (the counting
   * walk's) receives the changes only the other data plane shows.
   */
  private compareRow(from: string, before: Map<string, MatrixEdge[]>, after: Map<string, MatrixEdge[]>, others?: OtherPlaneChange[]): Found[] {
    const out: Found[] = [];
    const visit = (to: string, was: MatrixEdge[], is: MatrixEdge[]): void => {
      if (sameAnswer(was, is)) return;
      const otherOnly = new Map<DiffChange['change'], PortRange[]>();
      const groups = new Map<string, PortRange[]>();
      for (const { range, was: w, is: i, wasOther, isOther } of compare(was, is)) {
        if (w === i && wasOther !== isOther) {
          const change = isOther > wasOther ? 'newly-allowed' : 'newly-denied';
          otherOnly.set(change, [...(otherOnly.get(change) ?? []), range]);
        }
        if (w === i) continue;
        const g = `${i > w ? 'newly-allowed' : 'newly-denied'}|${w === 1 || i === 1}`;
        groups.set(g, [...(groups.get(g) ?? []), range]);
      }
      for (const [change, ranges] of otherOnly) others?.push({ from, to, ports: mergeRanges(ranges), change });
      for (const [g, ranges] of groups) {
        const [change, some] = g.split('|') as [DiffChange['change'], string];
        const ports = mergeRanges(ranges);
        const c: Found = { from, to, ports, change, somePods: some === 'true' };
        if (this.dataplane) {
          const m = [marks(was, ports), marks(is, ports)].filter((x) => x !== undefined);
          if (m.length) c.disagreement = { ports: mergeRanges(m.flatMap((x) => x.ports)), mechanisms: [...new Set(m.flatMap((x) => x.mechanisms))].sort() };
        }
        out.push(c);
      }
    };
    for (const [to, was] of before) visit(to, was, after.get(to) ?? []);
    for (const [to, is] of after) if (!before.has(to)) visit(to, [], is);
    return out.sort((x, y) => x.to.localeCompare(y.to) || describeRanges(x.ports).localeCompare(describeRanges(y.ports)));
  }

  private *explained(found: readonly Found[]): Generator<DiffChange> {
    for (const { disagreement, ...c } of found) {
      yield { ...c, before: this.before.explain(c.from, c.to, c.ports[0]!), after: this.after.explain(c.from, c.to, c.ports[0]!), ...(disagreement ? { disagreement } : {}) };
    }
  }
}

/**
 * The order of sources in a matrix: workloads before peers outside, each by the locale's collation of its
 * id (matrix-stream.ts), which is the order of `localeCompare` the result is sorted by, the peers aside.
 */
function sourceOrder(peers: ReadonlySet<string>, a: string, b: string): number {
  return Number(peers.has(a)) - Number(peers.has(b)) || a.localeCompare(b) || (a < b ? -1 : a > b ? 1 : 0);
}

function side(cluster: Cluster, world: OutsideWorld, scope: MatrixOptions, dataplane: MatrixDataplane | undefined, peers: ReadonlySet<string>, progress?: DiffProgress): Side {
  const engine = new Engine(cluster);
  const planes = dataplane?.name === 'eks' ? new Dataplanes(cluster, { version: dataplane.version, compute: dataplane.compute, controller: dataplane.controller }) : undefined;
  const ends = new Map<string, Endpoint>();
  for (const p of cluster.pods) if (!ends.has(workloadId(p))) ends.set(workloadId(p), { kind: 'pod', pod: p as Pod });
  for (const peer of world.peers) ends.set(peer.name, peer.rep);
  const explain = (from: string, to: string, r: PortRange): string => {
    const f = ends.get(from);
    const t = ends.get(to);
    if (!f || !t) return `${!f ? from : to} does not exist here`;
    const conn = { from: f, to: t, port: r.from, protocol: r.protocol };
    if (!planes) return summarize(engine.decide(conn));
    const c = planes.compare(conn);
    if (c.agree) return summarize(c.kubernetes);
    return `EKS ${c.eks.allowed ? 'allows' : 'denies'} it (${c.mechanisms.join(', ') || 'unexplained'}); the specification: ${summarize(c.kubernetes)}`;
  };
  if (dataplane?.name === 'eks') {
    // the EKS matrix is counted whole (eks-matrix.ts): its edges are kept and read as rows; once it streams
    // in the same order (workloads, then peers, by collation), its edges can go to streamedRows as below
    let kept: Row[] | undefined;
    const rows = (): Row[] => (kept ??= keptRows(computeMatrix(engine, scope).edges, peers));
    return { rows, explain, get sources() { return rows().length; } };
  }
  const stream = streamMatrix(engine, scope, progress ? (done) => progress.source(done) : undefined);
  return { rows: () => streamedRows(stream.edges(), peers), explain, sources: stream.sources };
}

/** Edges one source after another (as a matrix gives them) as rows; a source met twice is a broken order. */
function* streamedRows(edges: Iterable<MatrixEdge>, peers: ReadonlySet<string>): Generator<Row> {
  let row: Row | undefined;
  for (const e of edges) {
    if (!row || row.from !== e.from) {
      if (row) {
        if (sourceOrder(peers, row.from, e.from) >= 0) throw new Error(`internal: the matrix gave source ${e.from} after ${row.from}`);
        yield row;
      }
      row = { from: e.from, to: new Map() };
    }
    const list = row.to.get(e.to);
    if (list) list.push(e);
    else row.to.set(e.to, [e]);
  }
  if (row) yield row;
}

/** A kept matrix's edges as rows in the walk's order. */
function keptRows(edges: readonly MatrixEdge[], peers: ReadonlySet<string>): Row[] {
  const byFrom = new Map<string, Row>();
  for (const e of edges) {
    let row = byFrom.get(e.from);
    if (!row) byFrom.set(e.from, (row = { from: e.from, to: new Map() }));
    const list = row.to.get(e.to);
    if (list) list.push(e);
    else row.to.set(e.to, [e]);
  }
  return [...byFrom.values()].sort((x, y) => sourceOrder(peers, x.from, y.from));
}

/** Do two pairs' edges say the same on every port, with no mark that could make the other plane differ. */
function sameAnswer(a: readonly MatrixEdge[], b: readonly MatrixEdge[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.allowed !== y.allowed || x.partial !== y.partial || x.disagreement || y.disagreement || x.ports.length !== y.ports.length) return false;
    if (x.ports === y.ports) continue;
    for (let j = 0; j < x.ports.length; j++) {
      const p = x.ports[j]!;
      const q = y.ports[j]!;
      if (p.protocol !== q.protocol || p.from !== q.from || p.to !== q.to) return false;
    }
  }
  return true;
}

/** The ranges of `ports` on which the edges carry a disagreement mark, and its mechanisms. */
function marks(edges: readonly MatrixEdge[], ports: PortRange[]): { ports: PortRange[]; mechanisms: string[] } | undefined {
  const on = mergeRanges(edges.flatMap((e) => (e.disagreement ? intersectRanges(ports, e.disagreement.ports) : [])));
  if (on.length === 0) return undefined;
  return { ports: on, mechanisms: [...new Set(edges.flatMap((e) => e.disagreement?.mechanisms ?? []))].sort() };
}

/** 2: every pod pair allowed; 1: some; 0: none. */
type Rank = 0 | 1 | 2;
/** The port space cut where either side's answer changes, with both answers per piece. */
function compare(before: MatrixEdge[], after: MatrixEdge[]): { range: PortRange; was: Rank; is: Rank; wasOther: Rank; isOther: Rank }[] {
  // the other data plane's answer: the edge's own, unless its disagreement covers the port
  const rankOther = (edges: MatrixEdge[], protocol: string, port: number): Rank => {
    const on = (r: PortRange): boolean => r.protocol === protocol && port >= r.from && port <= r.to;
    for (const e of edges) {
      if (!e.ports.some(on)) continue;
      if (e.disagreement?.ports.some(on)) return e.disagreement.other === 'allowed' ? 2 : e.disagreement.other === 'partial' ? 1 : 0;
      if (e.allowed) return e.partial ? 1 : 2;
    }
    return 0;
  };
  const rank = (edges: MatrixEdge[], protocol: string, port: number): Rank => {
    // denied edges come along when the other data plane allows some of their ports
    for (const e of edges) if (e.allowed && e.ports.some((r) => r.protocol === protocol && port >= r.from && port <= r.to)) return e.partial ? 1 : 2;
    return 0;
  };
  const out: { range: PortRange; was: Rank; is: Rank; wasOther: Rank; isOther: Rank }[] = [];
  for (const protocol of PROTOCOLS) {
    const cuts = new Set<number>([1, 65536]);
    for (const e of [...before, ...after]) for (const r of e.ports) if (r.protocol === protocol) cuts.add(r.from).add(r.to + 1);
    const sorted = [...cuts].sort((a, b) => a - b);
    for (let i = 0; i + 1 < sorted.length; i++) {
      const from = sorted[i]!;
      out.push({ range: { protocol, from, to: sorted[i + 1]! - 1 }, was: rank(before, protocol, from), is: rank(after, protocol, from), wasOther: rankOther(before, protocol, from), isOther: rankOther(after, protocol, from) });
    }
  }
  return out;
}
