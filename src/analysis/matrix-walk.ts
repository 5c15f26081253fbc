/**
 * The walk both matrices share (the specification's, matrix-stream.ts, and EKS's, matrix-eks.ts): sources one at
 * a time in the order they are printed, workloads before peers outside, each by the locale's collation of its id;
 * in summary mode the peers outside folded into `outside` where they all answer alike; progress per source; and
 * the nodes the edges named. What a pair's edges are is the data plane's (`PlaneRows`); the walk keeps one flag
 * per group and the edges of one source.
 *
 * A filter (-n, --exposure PEER) narrows the walk itself, not only what it prints: each source visits only
 * the destinations the filter shows it (pairShown), and the data plane counts only toward those (`Toward`),
 * so that the matrix of one namespace of a cluster of 10,000 costs its rows and columns, not the whole.
 */
import type { Cluster } from '../model/cluster.js';
import { workloadId } from '../model/cluster.js';
import { pairShown, shownKind, type Group } from './matrix-groups.js';
import { OUTSIDE, type MatrixEdge, type MatrixOptions, type OutsideNode, type WorkloadNode } from './matrix-types.js';

/** Called after each source's edges are made, with how many of `sources` are done. */
export type SourceProgress = (done: number, sources: number) => void;

/** A pair's edge without its ends: what a data plane answers for one pair of groups. */
export type PairEdge = Omit<MatrixEdge, 'from' | 'to'>;

/**
 * The destinations a source is shown toward, when a filter leaves some out: `shown[gd]` is 1 for those, `list`
 * names them in group order. The same object for every source of one kind (shownKind), so that a data plane may
 * keep what it derives from it.
 */
export interface Toward {
  readonly shown: Uint8Array;
  readonly list: readonly number[];
}

/** What a data plane gives the walk, one counted source at a time. */
export interface PlaneRows {
  /**
   * Counts the answers of group `gs` toward every group (`toward` undefined), or toward those of `toward`
   * only: pairEdges and likeness then read only pairs that `pairShown` shows, which `toward` holds all of.
   */
  count(gs: number, toward?: Toward): void;
  /**
   * The counted source's edges toward `gd`, in printed order (none when the pair is not shown or shows nothing).
   * `firstWalk`: this is the first walk of edges() (what is counted once per matrix is counted then).
   */
  pairEdges(gs: number, gd: number, firstWalk: boolean): readonly PairEdge[];
  /** Equal for pairs whose edges print alike, null for a pair that prints none: what folds peers into `outside`. */
  likeness(gs: number, gd: number): number | string | null;
  /**
   * Told once, before the first count, which groups will be counted toward every group (`toward` undefined):
   * when a filter leaves those few, a data plane may make whole rows for their classes alone.
   */
  wholeRowsFor?(groups: readonly number[]): void;
}

/** Stands for the folded peer `outside` in the order of sources and destinations. */
const FOLDED = -1;

/** The destinations of one kind of source, in printed order, and what the data plane is told. */
interface Destinations {
  /** Among `order` (FOLDED included when a source's row may fold into it). */
  order: number[];
  /** Among the workloads, in printed order: what a peer outside's row visits. */
  workloads: number[];
  /** Undefined when every group is shown: the data plane counts toward all. */
  toward?: Toward;
}

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
  private told = false;
  /** Per shownKind of a source: the destinations the filter shows it. */
  private readonly destinations = new Map<string, Destinations>();
  /** How many sources (rows of groups) edges() walks: what progress counts. */
  readonly sources: number;

  /**
   * `summary`: the outside mode is summary (peers folded where alike). `filter`: the options pairShown reads,
   * to visit only the pairs it shows (without it every pair is visited and the data plane says which it shows).
   */
  constructor(
    private readonly cluster: Cluster,
    private readonly groups: Group[],
    summary: boolean,
    private readonly rows: PlaneRows,
    private readonly onSource?: SourceProgress,
    private readonly filter?: MatrixOptions,
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
    if (!this.told) {
      this.told = true;
      rows.wholeRowsFor?.(this.groups.flatMap((_, g) => (this.destinationsOf(g).toward ? [] : [g])));
    }
    const collapsedIn = this.inwardCollapse();
    const out: MatrixEdge[] = [];
    let done = 0;
    for (const gs of this.order) {
      out.length = 0;
      // a source shown toward nothing is counted not at all (its progress is reported all the same)
      if (gs === FOLDED) {
        // every peer outside answers alike toward these workloads: the first one's edges stand for all
        const to = this.destinationsOf(this.peers[0]!);
        if (to.workloads.length) {
          rows.count(this.peers[0]!, to.toward);
          for (const w of to.workloads) if (collapsedIn?.[w]) this.push(out, FOLDED, w, rows.pairEdges(this.peers[0]!, w, first));
        }
      } else if (this.groups[gs]!.outside) {
        const to = this.destinationsOf(gs);
        if (to.workloads.length) {
          rows.count(gs, to.toward);
          for (const w of to.workloads) if (!collapsedIn?.[w]) this.push(out, gs, w, rows.pairEdges(gs, w, first));
        }
      } else {
        const to = this.destinationsOf(gs);
        if (to.order.length) {
          rows.count(gs, to.toward);
          const collapsedOut = this.summarize && this.alike(gs);
          for (const gd of to.order) {
            if (gd === FOLDED) {
              if (collapsedOut) this.push(out, gs, FOLDED, rows.pairEdges(gs, this.peers[0]!, first));
            } else if (!(collapsedOut && this.groups[gd]!.outside)) this.push(out, gs, gd, rows.pairEdges(gs, gd, first));
          }
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
    // a workload the first peer is not shown toward folds into no `outside`: its likeness there is null
    const workloads = this.destinationsOf(this.peers[0]!).workloads;
    this.peers.forEach((p, i) => {
      if (workloads.length === 0) return;
      this.rows.count(p, this.destinationsOf(p).toward);
      for (const w of workloads) {
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

  /**
   * The destinations pairShown shows source `gs` (all, without a filter), in printed order: the same for every
   * source of its shownKind. FOLDED is among them when the first peer outside is, as a row folds there only
   * when that peer's edges (and every other's, alike) print.
   */
  private destinationsOf(gs: number): Destinations {
    const filter = this.filter;
    const key = filter ? shownKind(filter, this.groups[gs]!) : '';
    let d = this.destinations.get(key);
    if (d) return d;
    const s = this.groups[gs]!;
    const shows = (g: number): boolean => !filter || pairShown(filter, s, this.groups[g]!);
    const shown = new Uint8Array(this.groups.length);
    const list: number[] = [];
    for (let g = 0; g < this.groups.length; g++) {
      if (shows(g)) {
        shown[g] = 1;
        list.push(g);
      }
    }
    d = {
      order: this.order.filter((g) => (g === FOLDED ? shows(this.peers[0]!) : shown[g] === 1)),
      workloads: this.workloadOrder.filter((g) => shown[g] === 1),
      ...(list.length < this.groups.length ? { toward: { shown, list } } : {}),
    };
    this.destinations.set(key, d);
    return d;
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
