/**
 * The walk both matrices share (the specification's, matrix-stream.ts, and EKS's, matrix-eks.ts): sources one at
 * a time in the order they are printed, workloads before peers outside, each by the locale's collation of its id;
 * in summary mode the peers outside folded into `outside` where they all answer alike; progress per source; and
 * the nodes the edges named. What a pair's edges are is the data plane's (`PlaneRows`); the walk keeps one flag
 * per group and the edges of one source.
 */
import type { Cluster } from '../model/cluster.js';
import { workloadId } from '../model/cluster.js';
import { OUTSIDE, type Group, type MatrixEdge, type OutsideNode, type WorkloadNode } from './matrix.js';

/** Called after each source's edges are made, with how many of `sources` are done. */
export type SourceProgress = (done: number, sources: number) => void;

/** A pair's edge without its ends: what a data plane answers for one pair of groups. */
export type PairEdge = Omit<MatrixEdge, 'from' | 'to'>;

/** What a data plane gives the walk, one counted source at a time. */
export interface PlaneRows {
  /** Counts the answers of group `gs` toward every group: what pairEdges and likeness then read. */
  count(gs: number): void;
  /**
   * The counted source's edges toward `gd`, in printed order (none when the pair is not shown or shows nothing).
   * `firstWalk`: this is the first walk of edges() (what is counted once per matrix is counted then).
   */
  pairEdges(gs: number, gd: number, firstWalk: boolean): readonly PairEdge[];
  /** Equal for pairs whose edges print alike, null for a pair that prints none: what folds peers into `outside`. */
  likeness(gs: number, gd: number): number | string | null;
}

/** Stands for the folded peer `outside` in the order of sources and destinations. */
const FOLDED = -1;

export class MatrixWalk {
  private readonly workloadOrder: number[];
  /** Sources and destinations in printed order: workloads, then peers outside (and FOLDED where it sorts). */
  private readonly order: number[];
  /** Peers outside in the order they were met (the order of `outside` in the result). */
  private readonly peers: number[];
  private readonly summarize: boolean;
  private collapsedIn?: Uint8Array;
  private readonly used: Uint8Array;
  private foldedUsed = false;
  private complete = false;
  /** How many sources (rows of groups) edges() walks: what progress counts. */
  readonly sources: number;

  /** `summary`: the outside mode is summary (peers folded where alike). */
  constructor(
    private readonly cluster: Cluster,
    private readonly groups: Group[],
    summary: boolean,
    private readonly rows: PlaneRows,
    private readonly onSource?: SourceProgress,
  ) {
    const collator = new Intl.Collator();
    const byId = (a: number, b: number): number => {
      const x = a === FOLDED ? OUTSIDE : groups[a]!.id;
      const y = b === FOLDED ? OUTSIDE : groups[b]!.id;
      return collator.compare(x, y) || (x < y ? -1 : x > y ? 1 : 0);
    };
    this.workloadOrder = groups.flatMap((g, i) => (g.outside ? [] : [i])).sort(byId);
    this.peers = groups.flatMap((g, i) => (g.outside ? [i] : []));
    this.summarize = summary && this.peers.length >= 2;
    this.order = [...this.workloadOrder, ...[...this.peers, ...(this.summarize ? [FOLDED] : [])].sort(byId)];
    this.sources = this.order.length;
    this.used = new Uint8Array(groups.length);
  }

  /** Has edges() run to its end once. */
  get walked(): boolean {
    return this.complete;
  }

  /** The edges in printed order; each call computes them again. */
  *edges(): Generator<MatrixEdge> {
    this.used.fill(0);
    this.foldedUsed = false;
    const first = !this.complete;
    const rows = this.rows;
    const collapsedIn = this.inwardCollapse();
    const out: MatrixEdge[] = [];
    let done = 0;
    for (const gs of this.order) {
      out.length = 0;
      if (gs === FOLDED) {
        // every peer outside answers alike toward these workloads: the first one's edges stand for all
        rows.count(this.peers[0]!);
        for (const w of this.workloadOrder) if (collapsedIn?.[w]) this.push(out, FOLDED, w, rows.pairEdges(this.peers[0]!, w, first));
      } else if (this.groups[gs]!.outside) {
        rows.count(gs);
        for (const w of this.workloadOrder) if (!collapsedIn?.[w]) this.push(out, gs, w, rows.pairEdges(gs, w, first));
      } else {
        rows.count(gs);
        const collapsedOut = this.summarize && this.alike(gs);
        for (const gd of this.order) {
          if (gd === FOLDED) {
            if (collapsedOut) this.push(out, gs, FOLDED, rows.pairEdges(gs, this.peers[0]!, first));
          } else if (!(collapsedOut && this.groups[gd]!.outside)) this.push(out, gs, gd, rows.pairEdges(gs, gd, first));
        }
      }
      yield* out;
      this.onSource?.(++done, this.sources);
    }
    this.complete = true;
  }

  /** The workloads and peers outside that the edges name (after edges() has run, at no cost; else one pass first). */
  nodes(): { workloads: WorkloadNode[]; outside: OutsideNode[] } {
    if (!this.complete) for (const _ of this.edges());
    const usedIds = new Set<string>();
    this.groups.forEach((g, i) => {
      if (this.used[i]) usedIds.add(g.id);
    });
    const workloads = new Map<string, WorkloadNode>();
    for (const p of this.cluster.pods) {
      const id = workloadId(p);
      if (!usedIds.has(id)) continue;
      const w = workloads.get(id);
      if (w) w.pods++;
      else workloads.set(id, { id, namespace: p.namespace, name: p.workload?.name ?? p.name, kind: p.workload?.kind ?? 'Pod', pods: 1 });
    }
    const collator = new Intl.Collator();
    const outside = this.peers.filter((g) => this.used[g]).map((g) => this.groups[g]!.node!);
    if (this.foldedUsed) outside.push({ id: OUTSIDE, kind: 'outside', members: this.peers.reduce((n, g) => n + (this.groups[g]!.node!.members ?? 1), 0) });
    return { workloads: [...workloads.values()].sort((a, b) => collator.compare(a.id, b.id) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)), outside };
  }

  /** Summary mode: for which workloads every peer outside gives the same edges (and some edge at all). */
  private inwardCollapse(): Uint8Array | undefined {
    if (!this.summarize) return undefined;
    if (this.collapsedIn) return this.collapsedIn;
    const G = this.groups.length;
    const first: (number | string | null)[] = new Array<number | string | null>(G).fill(null);
    const same = new Uint8Array(G).fill(1);
    this.peers.forEach((p, i) => {
      this.rows.count(p);
      for (const w of this.workloadOrder) {
        const k = this.rows.likeness(p, w);
        if (i === 0) first[w] = k;
        else if (k !== first[w]) same[w] = 0;
      }
    });
    this.collapsedIn = new Uint8Array(G);
    for (let w = 0; w < G; w++) this.collapsedIn[w] = first[w] !== null && same[w] ? 1 : 0;
    return this.collapsedIn;
  }

  /** Summary mode: does the counted workload `gs` give every peer outside the same edges (and some edge at all)? */
  private alike(gs: number): boolean {
    const first = this.rows.likeness(gs, this.peers[0]!);
    if (first === null) return false;
    for (const p of this.peers) if (this.rows.likeness(gs, p) !== first) return false;
    return true;
  }

  private push(out: MatrixEdge[], gs: number, gd: number, edges: readonly PairEdge[]): void {
    if (edges.length === 0) return;
    const from = gs === FOLDED ? OUTSIDE : this.groups[gs]!.id;
    const to = gd === FOLDED ? OUTSIDE : this.groups[gd]!.id;
    if (gs === FOLDED || gd === FOLDED) this.foldedUsed = true;
    if (gs !== FOLDED) this.used[gs] = 1;
    if (gd !== FOLDED) this.used[gd] = 1;
    for (const e of edges) {
      out.push(e.disagreement ? { from, to, allowed: e.allowed, partial: e.partial, ports: e.ports, disagreement: e.disagreement } : { from, to, allowed: e.allowed, partial: e.partial, ports: e.ports });
    }
  }
}
