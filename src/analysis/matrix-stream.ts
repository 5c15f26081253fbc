/**
 * The matrix one source at a time, in the order it is printed, so that a cluster of thousands of
 * workloads (millions of pairs) is never held whole: what is kept is one source's counts (groups x
 * classes of ports), the class rows the current sources need, and one flag per group. The order is
 * computeMatrix's: workloads before peers outside, each by the locale's collation of its id, then
 * allowed, partly allowed and denied edges of a pair.
 */
import type { Bits } from '../engine/bitset.js';
import { ClassIndex, type EndpointClass } from '../engine/classes.js';
import type { Engine } from '../engine/engine.js';
import { mergeRanges, type PortClass, type PortRange } from '../engine/ports.js';
import { Reachability } from '../engine/reachability.js';
import { workloadId } from '../model/cluster.js';
import { groupClasses, OUTSIDE, pairShown, queriesFor, type Group, type MatrixEdge, type MatrixOptions, type OutsideNode, type WorkloadNode } from './matrix.js';

export interface MatrixStream {
  /** The edges, in computeMatrix's order; each call computes them again. */
  edges(): Generator<MatrixEdge>;
  /** The workloads and peers outside that the edges name (after edges() has run, at no cost; else one pass first). */
  nodes(): { workloads: WorkloadNode[]; outside: OutsideNode[] };
  /** How many sources (rows of groups) edges() walks: what progress counts. */
  readonly sources: number;
}

/** Called after each source's edges are made, with how many of `sources` are done. */
export type SourceProgress = (done: number, sources: number) => void;

export function streamMatrix(engine: Engine, options: MatrixOptions = {}, onSource?: SourceProgress): MatrixStream {
  return new MatrixRows(engine, options, onSource);
}

/** A pair's answers per class of ports, as the ports of up to three edges. */
interface Answer {
  key: number | string;
  allow?: PortRange[];
  partial?: PortRange[];
  deny?: PortRange[];
  /** Does it make any edge (with allowedOnly, a pair denied everywhere makes none). */
  produces: boolean;
}

/** Stands for the folded peer `outside` in the order of sources and destinations. */
const FOLDED = -1;
/** Rows kept for the sources at hand; beyond this many 32-bit words they are made again. */
const ROW_CACHE_WORDS = 1 << 24;
/** Distinct answers kept; a cluster rarely has more than a few hundred. */
const ANSWER_CACHE = 1 << 16;

class MatrixRows implements MatrixStream {
  private readonly classes: ClassIndex;
  private readonly groups: Group[];
  /** Per class: [group, members, ...]. */
  private readonly members: number[][];
  /** Per group: [class, members, ...]. */
  private readonly classesOf: number[][];
  private readonly queries: PortClass[];
  private readonly rowFns: ((s: EndpointClass) => Bits)[];
  private readonly counts: Float64Array;
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
  private readonly rowCache = new Map<number, Bits[]>();
  private rowCacheWords = 0;
  private readonly answers = new Map<number | string, Answer>();
  private readonly everywhere: PortRange[];
  readonly sources: number;

  constructor(
    private readonly engine: Engine,
    private readonly options: MatrixOptions,
    private readonly onSource?: SourceProgress,
  ) {
    this.classes = new ClassIndex(engine.cluster, engine.ctx, options.world);
    const reach = new Reachability(engine, this.classes);
    const mode = options.outside ?? 'summary';
    const { groups, members } = groupClasses(engine, this.classes, mode, options.namespaces);
    this.groups = groups;
    this.members = members;
    this.classesOf = groups.map(() => []);
    members.forEach((m, c) => {
      for (let i = 0; i < m.length; i += 2) this.classesOf[m[i]!]!.push(c, m[i + 1]!);
    });
    this.queries = queriesFor(engine, options);
    this.rowFns = this.queries.map((q) => reach.rowOf(q.rep));
    this.counts = new Float64Array(groups.length * this.queries.length);
    this.everywhere = mergeRanges(this.queries.flatMap((q) => q.ranges));
    const collator = new Intl.Collator();
    const byId = (a: number, b: number): number => {
      const x = a === FOLDED ? OUTSIDE : groups[a]!.id;
      const y = b === FOLDED ? OUTSIDE : groups[b]!.id;
      return collator.compare(x, y) || (x < y ? -1 : x > y ? 1 : 0);
    };
    this.workloadOrder = groups.flatMap((g, i) => (g.outside ? [] : [i])).sort(byId);
    this.peers = groups.flatMap((g, i) => (g.outside ? [i] : []));
    this.summarize = mode === 'summary' && this.peers.length >= 2;
    this.order = [...this.workloadOrder, ...[...this.peers, ...(this.summarize ? [FOLDED] : [])].sort(byId)];
    this.sources = this.order.length;
    this.used = new Uint8Array(groups.length);
  }

  *edges(): Generator<MatrixEdge> {
    this.used.fill(0);
    this.foldedUsed = false;
    const collapsedIn = this.inwardCollapse();
    const out: MatrixEdge[] = [];
    let done = 0;
    for (const gs of this.order) {
      out.length = 0;
      if (gs === FOLDED) {
        // every peer outside answers alike toward these workloads: the first one's edges stand for all
        this.count(this.peers[0]!);
        for (const w of this.workloadOrder) if (collapsedIn?.[w]) this.push(out, FOLDED, w, this.answer(this.peers[0]!, w));
      } else if (this.groups[gs]!.outside) {
        this.count(gs);
        for (const w of this.workloadOrder) if (!collapsedIn?.[w]) this.push(out, gs, w, this.answer(gs, w));
      } else {
        this.count(gs);
        const collapsedOut = this.summarize && this.alike(gs);
        for (const gd of this.order) {
          if (gd === FOLDED) {
            if (collapsedOut) this.push(out, gs, FOLDED, this.answer(gs, this.peers[0]!));
          } else if (!(collapsedOut && this.groups[gd]!.outside)) this.push(out, gs, gd, this.answer(gs, gd));
        }
      }
      yield* out;
      this.onSource?.(++done, this.sources);
    }
    this.complete = true;
  }

  nodes(): { workloads: WorkloadNode[]; outside: OutsideNode[] } {
    if (!this.complete) for (const _ of this.edges());
    const usedIds = new Set<string>();
    this.groups.forEach((g, i) => {
      if (this.used[i]) usedIds.add(g.id);
    });
    const workloads = new Map<string, WorkloadNode>();
    for (const p of this.engine.cluster.pods) {
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

  /** Summary mode: for which workloads every peer outside gives the same answer (and some answer at all). */
  private inwardCollapse(): Uint8Array | undefined {
    if (!this.summarize) return undefined;
    if (this.collapsedIn) return this.collapsedIn;
    const G = this.groups.length;
    const first: (number | string | null)[] = new Array<number | string | null>(G).fill(null);
    const any = new Uint8Array(G);
    const same = new Uint8Array(G).fill(1);
    this.peers.forEach((p, i) => {
      this.count(p);
      for (const w of this.workloadOrder) {
        const k = keyOf(this.answer(p, w));
        if (k !== null) any[w] = 1;
        if (i === 0) first[w] = k;
        else if (k !== first[w]) same[w] = 0;
      }
    });
    this.collapsedIn = new Uint8Array(G);
    for (let w = 0; w < G; w++) this.collapsedIn[w] = any[w]! & same[w]!;
    return this.collapsedIn;
  }

  /** Summary mode: does the counted workload `gs` give every peer outside the same answer (and some answer at all)? */
  private alike(gs: number): boolean {
    let any = false;
    const first = keyOf(this.answer(gs, this.peers[0]!));
    for (const p of this.peers) {
      const k = keyOf(this.answer(gs, p));
      if (k !== first) return false;
      if (k !== null) any = true;
    }
    return any;
  }

  private push(out: MatrixEdge[], gs: number, gd: number, a: Answer | undefined): void {
    if (!a?.produces) return;
    const from = gs === FOLDED ? OUTSIDE : this.groups[gs]!.id;
    const to = gd === FOLDED ? OUTSIDE : this.groups[gd]!.id;
    if (gs === FOLDED || gd === FOLDED) this.foldedUsed = true;
    if (gs !== FOLDED) this.used[gs] = 1;
    if (gd !== FOLDED) this.used[gd] = 1;
    if (a.allow) out.push({ from, to, allowed: true, partial: false, ports: a.allow });
    if (a.partial) out.push({ from, to, allowed: true, partial: true, ports: a.partial });
    if (a.deny && !this.options.allowedOnly) out.push({ from, to, allowed: false, partial: false, ports: a.deny });
  }

  private wanted(gs: number, gd: number): boolean {
    return pairShown(this.options, this.groups[gs]!, this.groups[gd]!);
  }

  /** The counted source's answer toward `gd`: undefined when the pair is not shown at all. */
  private answer(gs: number, gd: number): Answer | undefined {
    if (!this.wanted(gs, gd)) return undefined;
    const size = this.groups[gs]!.size;
    // a pod talking to itself is not a connection between two pods
    const total = size * this.groups[gd]!.size - (gs === gd ? size : 0);
    if (total === 0) return undefined;
    const Q = this.queries.length;
    const base = gd * Q;
    // each class of ports: 0 no pair allowed, 1 some, 2 every one; as a number while it stays exact
    let key: number | string = 0;
    if (Q <= 33) {
      for (let qi = 0; qi < Q; qi++) {
        const n = this.counts[base + qi]!;
        key = key * 3 + (n === 0 ? 0 : n < total ? 1 : 2);
      }
    } else {
      key = '';
      for (let qi = 0; qi < Q; qi++) {
        const n = this.counts[base + qi]!;
        key += n === 0 ? '0' : n < total ? '1' : '2';
      }
    }
    let a = this.answers.get(key);
    if (!a) {
      if (this.answers.size >= ANSWER_CACHE) this.answers.clear();
      a = this.makeAnswer(key, base, total);
      this.answers.set(key, a);
    }
    return a;
  }

  private makeAnswer(key: number | string, base: number, total: number): Answer {
    const allow: PortRange[] = [];
    const partial: PortRange[] = [];
    const deny: PortRange[] = [];
    let none = true;
    for (let qi = 0; qi < this.queries.length; qi++) {
      const n = this.counts[base + qi]!;
      if (n !== 0) none = false;
      (n === 0 ? deny : n < total ? partial : allow).push(...this.queries[qi]!.ranges);
    }
    const a: Answer = { key, produces: false };
    if (allow.length) a.allow = mergeRanges(allow);
    if (partial.length) a.partial = mergeRanges(partial);
    if (deny.length) a.deny = none ? this.everywhere : mergeRanges(deny);
    a.produces = Boolean(a.allow || a.partial || (a.deny && !this.options.allowedOnly));
    return a;
  }

  /** Allowed member pairs of group `gs` toward every group, per class of ports, into `counts`. */
  private count(gs: number): void {
    const counts = this.counts;
    const Q = this.queries.length;
    counts.fill(0);
    const own = this.classesOf[gs]!;
    for (let k = 0; k < own.length; k += 2) {
      const s = own[k]!;
      const a = own[k + 1]!;
      const rows = this.rowsOf(s);
      for (let qi = 0; qi < Q; qi++) {
        const row = rows[qi]!;
        for (let w = 0; w < row.length; w++) {
          let word = row[w]!;
          while (word !== 0) {
            const low = word & -word;
            const d = w * 32 + 31 - Math.clz32(low);
            word ^= low;
            const dm = this.members[d]!;
            for (let b = 0; b < dm.length; b += 2) {
              const gd = dm[b]!;
              const pairs = a * dm[b + 1]! - (s === d && gs === gd ? a : 0);
              if (pairs !== 0) counts[gd * Q + qi]! += pairs;
            }
          }
        }
      }
    }
  }

  /** The rows of class `s` for every class of ports, kept while they fit the cache. */
  private rowsOf(s: number): Bits[] {
    let rows = this.rowCache.get(s);
    if (rows) return rows;
    const c = this.classes.classes[s]!;
    rows = this.rowFns.map((f) => f(c));
    const size = rows.reduce((n, r) => n + r.length, 0);
    if (this.rowCacheWords + size > ROW_CACHE_WORDS) {
      this.rowCache.clear();
      this.rowCacheWords = 0;
    }
    this.rowCache.set(s, rows);
    this.rowCacheWords += size;
    return rows;
  }
}

/** What decides whether two answers print alike: their key, or null when they print nothing. */
function keyOf(a: Answer | undefined): number | string | null {
  return a?.produces ? a.key : null;
}
