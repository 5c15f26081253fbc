/**
 * `podwall diff`: connections newly allowed and newly denied between two policy sets, per pair of
 * workloads or peers outside the pod network and per port range, each with the explanation under
 * the old and the new policies. Both sides are computed on the same split of the outside world, so
 * a CIDR added or removed shows as what it changes, not as a new peer.
 *
 * The two matrices are walked side by side, one source (row) at a time, and never held: a row of
 * each is compared and let go. The output lists the newly allowed before the newly denied, each by
 * source, destination and ports, under a header that counts them, so the walk is made up to three
 * times: once to count (keeping what cannot wait for its place: the rows of peers outside, which the
 * matrix walks last but the order places among the workloads), then once per kind of change, stopping
 * after the last source that has one. The count also keeps the workloads' changes while they are few
 * enough (KEPT_CHANGES), and the walks per kind then read those instead of computing both matrices again.
 * Both data planes stream their matrix in the same order (matrix-stream.ts; matrix-eks.ts for EKS).
 *
 * A pair's changes depend only on its two answers (the edges' port lists, which a matrix shares between
 * pairs with the same answer), so unmarked pairs share them: the changes of distinct pairs of answers are
 * computed once, and a pair with the same answer on both sides costs a comparison of its lists.
 */
import { Engine } from '../engine/engine.js';
import { OutsideWorld } from '../engine/outside.js';
import { describeRanges, intersectRanges, mergeRanges, type PortRange } from '../engine/ports.js';
import { summarize } from '../engine/verdict-text.js';
import type { Dataplanes } from '../eks/compare.js';
import { workloadId, type Cluster, type Pod } from '../model/cluster.js';
import { PROTOCOLS } from '../net/protocol.js';
import type { Endpoint } from '../model/endpoint.js';
import type { MatrixDataplane, MatrixEdge, MatrixOptions } from './matrix.js';
import { streamEksMatrix } from './matrix-eks.js';
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
  /**
   * The changes in DiffResult's order, explained as they come; each call walks again. `explain`: 'after'
   * leaves `before` empty (a format that prints only the explanation after pays for one decision a change).
   */
  changes(explain?: 'both' | 'after'): Generator<DiffChange>;
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

/**
 * `keptChanges`: how many of the workloads' changes the count keeps for the walks per kind (KEPT_CHANGES;
 * 0 walks both matrices three times, as a diff past the limit does).
 */
export function streamDiff(oldCluster: Cluster, newCluster: Cluster, namespaces?: readonly string[], dataplane?: MatrixDataplane, progress?: DiffProgress, keptChanges = KEPT_CHANGES): DiffStream {
  return new DiffWalk(oldCluster, newCluster, namespaces, dataplane, progress, keptChanges);
}

/** One destination's edges in a source's row, as the matrix gave them. */
interface Cell {
  to: string;
  edges: MatrixEdge[];
}

/** One source's edges, by destination, in the order the matrix gave them. */
interface Row {
  from: string;
  cells: Cell[];
}

type Found = UnexplainedChange;

/** A change of a pair without its ends and marks: what the pair's two answers alone decide. */
interface Shape {
  ports: PortRange[];
  change: DiffChange['change'];
  somePods: boolean;
}

/** One policy set's side: its matrix, one source after another, and what explains a connection under it. */
interface Side {
  /** The edges in the walk's order (workloads, then peers outside, each by collation); each call computes them again. */
  edges(): Iterable<MatrixEdge>;
  explain(from: string, to: string, r: PortRange): string;
  /** How many sources a walk of its rows visits (for progress). */
  readonly sources: number;
}

const KINDS = ['newly-allowed', 'newly-denied'] as const;
const NO_CELLS: Cell[] = [];
const NO_EDGES: MatrixEdge[] = [];
/**
 * The counting walk keeps the workloads' changes up to this many (tens of MB), so that the walks per kind of
 * change read them instead of computing both matrices twice more; past it they are dropped and walked again.
 */
const KEPT_CHANGES = 1 << 18;
/** Distinct pairs of answers whose changes are remembered; a cluster rarely has more than a few thousand. */
const SHAPE_CACHE = 1 << 16;

class DiffWalk implements DiffStream {
  private readonly before: Side;
  private readonly after: Side;
  /** The names of the peers outside: their rows come after every workload's in a matrix. */
  private readonly peers: Set<string>;
  /** Each workload's and peer's place in the walk's order (sourceOrder), looked up instead of collated per pair. */
  private readonly rank: Map<string, number>;
  /** The changes between two answers, by the answers' port lists (the matrices share one list per answer). */
  private readonly shapes = new Map<string, Shape[]>();
  private readonly portIds = new WeakMap<readonly PortRange[], number>();
  private nextPortId = 0;
  private counted?: { summary: DiffSummary; workloadChanges: Record<Found['change'], number>; peerRows: Found[][]; workloadRows?: Found[][] };

  constructor(
    oldCluster: Cluster,
    newCluster: Cluster,
    namespaces: readonly string[] | undefined,
    private readonly dataplane: MatrixDataplane | undefined,
    private readonly progress: DiffProgress | undefined,
    private readonly keptChanges: number,
  ) {
    const world = new OutsideWorld([oldCluster, newCluster]);
    this.peers = new Set(world.peers.map((p) => p.name));
    const ids = new Set<string>(this.peers);
    for (const c of [oldCluster, newCluster]) for (const p of c.pods) ids.add(workloadId(p));
    this.rank = new Map([...ids].sort((a, b) => sourceOrder(this.peers, a, b)).map((id, i) => [id, i]));
    const scope: MatrixOptions = { allowedOnly: true, outside: 'each', world, ...(namespaces ? { namespaces } : {}), ...(dataplane ? { dataplane } : {}) };
    // progress counts the current state's sources: the two walks go side by side
    this.before = side(oldCluster, world, scope, dataplane, progress);
    this.after = side(newCluster, world, scope, dataplane);
  }

  summary(): DiffSummary {
    return this.count().summary;
  }

  *changes(explain: 'both' | 'after' = 'both'): Generator<DiffChange> {
    for (const found of this.rowsOfChanges()) yield* this.explained(found, explain === 'both');
  }

  *unexplained(): Generator<UnexplainedChange> {
    for (const found of this.rowsOfChanges()) yield* found;
  }

  /** The changes in the result's order, a source's worth at a time. */
  private *rowsOfChanges(): Generator<Found[]> {
    const { workloadChanges, peerRows, workloadRows } = this.count();
    for (const kind of KINDS) {
      // the peers' rows were kept by the count: each goes where its source sorts among the workloads'
      const peers = peerRows.map((row) => row.filter((c) => c.change === kind)).filter((row) => row.length > 0);
      let p = 0;
      let left = workloadChanges[kind];
      if (left > 0) {
        for (const row of workloadRows ?? this.walkWorkloads(kind)) {
          const found = row.filter((c) => c.change === kind);
          if (!found.length) continue;
          const from = found[0]!.from;
          while (p < peers.length && peers[p]![0]!.from.localeCompare(from) < 0) yield peers[p++]!;
          yield found;
          left -= found.length;
          if (left === 0) break; // the rest of the sources have none of this kind
        }
      }
      while (p < peers.length) yield peers[p++]!;
    }
  }

  /** The workloads' rows of changes, both matrices walked again (when the count could not keep them). */
  private *walkWorkloads(kind: Found['change']): Generator<Found[]> {
    this.progress?.walk(kind === 'newly-allowed' ? 'newly allowed' : 'newly denied', this.before.sources);
    for (const [from, before, after] of this.pairedRows()) {
      if (this.peers.has(from)) return;
      yield this.compareRow(from, before, after);
    }
  }

  /**
   * The counting walk, once: the counts, the marks, the changes only the other plane shows, the peers' rows,
   * and the workloads' rows while they fit KEPT_CHANGES.
   */
  private count(): NonNullable<DiffWalk['counted']> {
    if (this.counted) return this.counted;
    const workloadChanges = { 'newly-allowed': 0, 'newly-denied': 0 };
    const total = { 'newly-allowed': 0, 'newly-denied': 0 };
    const peerRows: Found[][] = [];
    let workloadRows: Found[][] | undefined = [];
    let kept = 0;
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
        continue;
      }
      for (const c of found) workloadChanges[c.change]++;
      if (workloadRows && found.length) {
        kept += found.length;
        if (kept > this.keptChanges) workloadRows = undefined;
        else workloadRows.push(found);
      }
    }
    others.sort((x, y) => x.change.localeCompare(y.change) || x.from.localeCompare(y.from) || x.to.localeCompare(y.to));
    const summary: DiffSummary = { newlyAllowed: total['newly-allowed'], newlyDenied: total['newly-denied'], marked, ...(others.length ? { otherPlaneOnly: others } : {}) };
    peerRows.sort((x, y) => x[0]!.from.localeCompare(y[0]!.from));
    this.counted = { summary, workloadChanges, peerRows, ...(workloadRows ? { workloadRows } : {}) };
    return this.counted;
  }

  /** Both sides' rows, source by source (a source without edges on one side has an empty row there). */
  private *pairedRows(): Generator<[string, Cell[], Cell[]]> {
    const a = this.rowsOf(this.before.edges());
    const b = this.rowsOf(this.after.edges());
    try {
      let x = a.next();
      let y = b.next();
      while (!x.done || !y.done) {
        const c = x.done ? 1 : y.done ? -1 : this.order(x.value.from, y.value.from);
        if (c < 0) {
          yield [x.value!.from, x.value!.cells, NO_CELLS];
          x = a.next();
        } else if (c > 0) {
          yield [y.value!.from, NO_CELLS, y.value!.cells];
          y = b.next();
        } else {
          yield [x.value!.from, x.value!.cells, y.value!.cells];
          x = a.next();
          y = b.next();
        }
      }
    } finally {
      a.return(undefined);
      b.return(undefined);
    }
  }

  /** Edges one source after another (as a matrix gives them) as rows; a source or destination out of order is a broken matrix. */
  private *rowsOf(edges: Iterable<MatrixEdge>): Generator<Row, void> {
    let row: Row | undefined;
    let cell: Cell | undefined;
    for (const e of edges) {
      if (!row || row.from !== e.from) {
        if (row) {
          if (this.order(row.from, e.from) >= 0) throw new Error(`internal: the matrix gave source ${e.from} after ${row.from}`);
          yield row;
        }
        row = { from: e.from, cells: [] };
        cell = undefined;
      }
      if (cell?.to === e.to) cell.edges.push(e);
      else {
        if (cell && this.order(cell.to, e.to) >= 0) throw new Error(`internal: the matrix gave ${e.from} -> ${e.to} after -> ${cell.to}`);
        row.cells.push((cell = { to: e.to, edges: [e] }));
      }
    }
    if (row) yield row;
  }

  /** The walk's order of two sources (or destinations): by rank, collated only for a name the clusters do not hold. */
  private order(a: string, b: string): number {
    const x = this.rank.get(a);
    const y = this.rank.get(b);
    return x !== undefined && y !== undefined ? x - y : sourceOrder(this.peers, a, b);
  }

  /**
   * The changes of one source, by destination and ports as the result orders them; `others` (the counting
   * walk's) receives the changes only the other data plane shows.
   */
  private compareRow(from: string, before: Cell[], after: Cell[], others?: OtherPlaneChange[]): Found[] {
    const out: Found[] = [];
    const visit = (to: string, was: MatrixEdge[], is: MatrixEdge[]): void => {
      if (sameAnswer(was, is)) return;
      if (!was.some(marked) && !is.some(marked)) {
        // without marks, the two answers alone decide the changes: shared by every pair with the same two
        for (const s of this.shapesOf(was, is)) out.push({ from, to, ports: s.ports, change: s.change, somePods: s.somePods });
        return;
      }
      const { shapes, otherOnly } = changesOf(was, is);
      for (const [change, ports] of otherOnly) others?.push({ from, to, ports, change });
      for (const s of shapes) {
        const c: Found = { from, to, ...s };
        if (this.dataplane) {
          const m = [marks(was, s.ports), marks(is, s.ports)].filter((x) => x !== undefined);
          if (m.length) c.disagreement = { ports: mergeRanges(m.flatMap((x) => x.ports)), mechanisms: [...new Set(m.flatMap((x) => x.mechanisms))].sort() };
        }
        out.push(c);
      }
    };
    // both rows list their destinations in the walk's order: merged as the rows are
    let i = 0;
    let j = 0;
    while (i < before.length || j < after.length) {
      const x = before[i];
      const y = after[j];
      const c = !x ? 1 : !y ? -1 : x.to === y.to ? 0 : this.order(x.to, y.to);
      if (c < 0) visit(x!.to, x!.edges, NO_EDGES);
      else if (c > 0) visit(y!.to, NO_EDGES, y!.edges);
      else visit(x!.to, x!.edges, y!.edges);
      if (c <= 0) i++;
      if (c >= 0) j++;
    }
    // a pair's changes are in the order of their ports already; peers outside sort among the workloads
    return out.sort((x, y) => (x.to === y.to ? 0 : x.to.localeCompare(y.to) || describeRanges(x.ports).localeCompare(describeRanges(y.ports))));
  }

  /** The changes between two unmarked answers, remembered by their port lists. */
  private shapesOf(was: readonly MatrixEdge[], is: readonly MatrixEdge[]): Shape[] {
    let key = '';
    for (const e of was) key += `${this.portId(e.ports) * 2 + Number(e.partial)}${e.allowed ? '+' : '-'}`;
    key += '|';
    for (const e of is) key += `${this.portId(e.ports) * 2 + Number(e.partial)}${e.allowed ? '+' : '-'}`;
    let shapes = this.shapes.get(key);
    if (!shapes) {
      if (this.shapes.size >= SHAPE_CACHE) this.shapes.clear();
      this.shapes.set(key, (shapes = changesOf(was, is).shapes));
    }
    return shapes;
  }

  private portId(ports: readonly PortRange[]): number {
    let id = this.portIds.get(ports);
    if (id === undefined) this.portIds.set(ports, (id = this.nextPortId++));
    return id;
  }

  private *explained(found: readonly Found[], before: boolean): Generator<DiffChange> {
    for (const { disagreement, ...c } of found) {
      yield { ...c, before: before ? this.before.explain(c.from, c.to, c.ports[0]!) : '', after: this.after.explain(c.from, c.to, c.ports[0]!), ...(disagreement ? { disagreement } : {}) };
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

function side(cluster: Cluster, world: OutsideWorld, scope: MatrixOptions, dataplane: MatrixDataplane | undefined, progress?: DiffProgress): Side {
  const engine = new Engine(cluster);
  const onSource = progress ? (done: number): void => progress.source(done) : undefined;
  // both planes stream their matrix one source at a time, in the same order (matrix-stream.ts, matrix-eks.ts)
  const eks = dataplane?.name === 'eks' ? streamEksMatrix(engine, scope, dataplane, onSource) : undefined;
  const stream = eks ?? streamMatrix(engine, scope, onSource);
  // a change is explained on the planes the matrix named its marks on (csv explains none): one controller output
  // and one set of maps per side, made for the identifiers asked about
  const eksPlanes = (): Dataplanes | undefined => eks?.planes;
  const ends = new Map<string, Endpoint>();
  for (const p of cluster.pods) if (!ends.has(workloadId(p))) ends.set(workloadId(p), { kind: 'pod', pod: p as Pod });
  for (const peer of world.peers) ends.set(peer.name, peer.rep);
  const explain = (from: string, to: string, r: PortRange): string => {
    const f = ends.get(from);
    const t = ends.get(to);
    if (!f || !t) return `${!f ? from : to} does not exist here`;
    const conn = { from: f, to: t, port: r.from, protocol: r.protocol };
    const planes = eksPlanes();
    if (!planes) return summarize(engine.decide(conn));
    const c = planes.compare(conn);
    if (c.agree) return summarize(c.kubernetes);
    return `EKS ${c.eks.allowed ? 'allows' : 'denies'} it (${c.mechanisms.join(', ') || 'unexplained'}); the specification: ${summarize(c.kubernetes)}`;
  };
  return { edges: () => stream.edges(), explain, sources: stream.sources };
}

function marked(e: MatrixEdge): boolean {
  return e.disagreement !== undefined;
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

/**
 * A pair's changes from its edges before and after, in the order of their ports; and the changes only the
 * other data plane shows (its answer changes where this one's stays).
 */
function changesOf(was: readonly MatrixEdge[], is: readonly MatrixEdge[]): { shapes: Shape[]; otherOnly: Map<DiffChange['change'], PortRange[]> } {
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
  for (const [change, ranges] of otherOnly) otherOnly.set(change, mergeRanges(ranges));
  const shapes = [...groups].map(([g, ranges]): Shape => {
    const [change, some] = g.split('|') as [DiffChange['change'], string];
    return { ports: mergeRanges(ranges), change, somePods: some === 'true' };
  });
  const text = new Map(shapes.map((s) => [s, describeRanges(s.ports)]));
  return { shapes: shapes.sort((x, y) => text.get(x)!.localeCompare(text.get(y)!)), otherOnly };
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
function compare(before: readonly MatrixEdge[], after: readonly MatrixEdge[]): { range: PortRange; was: Rank; is: Rank; wasOther: Rank; isOther: Rank }[] {
  // the other data plane's answer: the edge's own, unless its disagreement covers the port
  const rankOther = (edges: readonly MatrixEdge[], protocol: string, port: number): Rank => {
    const on = (r: PortRange): boolean => r.protocol === protocol && port >= r.from && port <= r.to;
    for (const e of edges) {
      if (!e.ports.some(on)) continue;
      if (e.disagreement?.ports.some(on)) return e.disagreement.other === 'allowed' ? 2 : e.disagreement.other === 'partial' ? 1 : 0;
      if (e.allowed) return e.partial ? 1 : 2;
    }
    return 0;
  };
  const rank = (edges: readonly MatrixEdge[], protocol: string, port: number): Rank => {
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
