/**
 * The matrix one source at a time, in the order it is printed, so that a cluster of thousands of
 * workloads (millions of pairs) is never held whole: what is kept is one source's counts (groups x
 * classes of ports), the class rows the current sources need, and one flag per group. The order is
 * computeMatrix's: workloads before peers outside, each by the locale's collation of its id, then
 * allowed, partly allowed and denied edges of a pair. The walk in that order, the folding of peers
 * outside and the nodes are matrix-walk.ts's, shared with the EKS matrix; this file counts the
 * specification's answers of one source.
 */
import type { Bits } from '../engine/bitset.js';
import { ClassIndex, type EndpointClass } from '../engine/classes.js';
import type { Engine } from '../engine/engine.js';
import { mergeRanges, type PortClass, type PortRange } from '../engine/ports.js';
import { Reachability } from '../engine/reachability.js';
import { groupClasses, pairShown, queriesFor, type Group } from './matrix-groups.js';
import type { MatrixEdge, MatrixOptions, OutsideNode, WorkloadNode } from './matrix-types.js';
import { MatrixWalk, type PairEdge, type PlaneRows, type SourceProgress, type Toward } from './matrix-walk.js';

export interface MatrixStream {
  /** The edges, in computeMatrix's order; each call computes them again. */
  edges(): Generator<MatrixEdge>;
  /** The workloads and peers outside that the edges name (after edges() has run, at no cost; else one pass first). */
  nodes(): { workloads: WorkloadNode[]; outside: OutsideNode[] };
  /** How many sources (rows of groups) edges() walks: what progress counts. */
  readonly sources: number;
}

export type { SourceProgress } from './matrix-walk.js';

export function streamMatrix(engine: Engine, options: MatrixOptions = {}, onSource?: SourceProgress): MatrixStream {
  const rows = new MatrixRows(engine, options);
  return new MatrixWalk(engine.cluster, rows.groups, (options.outside ?? 'summary') === 'summary', rows, onSource, options);
}

/** A pair's answers per class of ports, as up to three edges (with allowedOnly, a pair denied everywhere makes none). */
interface Answer {
  key: number | string;
  /** Without their ends: allowed, partly allowed, denied (unless allowedOnly). */
  edges: PairEdge[];
}

/** Counting toward some groups only: the words of a row their classes lie in, and the rows there (compact, kept while they fit). */
interface Narrowed {
  words: readonly number[];
  rowsOf(s: number): Bits[];
}

/** Rows kept for the sources at hand; beyond this many 32-bit words they are made again. */
const ROW_CACHE_WORDS = 1 << 24;
/** Distinct answers kept; a cluster rarely has more than a few hundred. */
const ANSWER_CACHE = 1 << 16;
const NO_EDGES: readonly PairEdge[] = [];

/** The specification's answers, one counted source at a time, for the walk (matrix-walk.ts) to print. */
class MatrixRows implements PlaneRows {
  private readonly classes: ClassIndex;
  readonly groups: Group[];
  /** Per class: [group, members, ...]. */
  private readonly members: number[][];
  /** Per group: [class, members, ...]. */
  private readonly classesOf: number[][];
  private readonly queries: PortClass[];
  /** Whole rows, made when a source shown toward every group first needs them (a filtered matrix may never). */
  private rowFns?: ((s: EndpointClass) => Bits)[];
  /** The classes whole rows are made for, when the walk said they are not all (wholeRowsFor). */
  private wholeRowSources?: { within: Bits; words: readonly number[] };
  private readonly counts: Float64Array;
  private readonly rowCache = new Map<number, Bits[]>();
  private rowCacheWords = 0;
  private readonly answers = new Map<number | string, Answer>();
  private readonly everywhere: PortRange[];
  /** Per set of destinations: what counting toward them alone reads (Narrowed). */
  private readonly narrowed = new WeakMap<Toward, Narrowed>();
  private readonly reach: Reachability;

  constructor(
    engine: Engine,
    private readonly options: MatrixOptions,
  ) {
    this.classes = new ClassIndex(engine.cluster, engine.ctx, options.world);
    const reach = new Reachability(engine, this.classes);
    this.reach = reach;
    const { groups, members } = groupClasses(engine, this.classes, options.outside ?? 'summary', options.namespaces);
    this.groups = groups;
    this.members = members;
    this.classesOf = groups.map(() => []);
    members.forEach((m, c) => {
      for (let i = 0; i < m.length; i += 2) this.classesOf[m[i]!]!.push(c, m[i + 1]!);
    });
    this.queries = queriesFor(engine, options);
    this.counts = new Float64Array(groups.length * this.queries.length);
    this.everywhere = mergeRanges(this.queries.flatMap((q) => q.ranges));
  }

  pairEdges(gs: number, gd: number): readonly PairEdge[] {
    const a = this.answer(gs, gd);
    return a ? a.edges : NO_EDGES;
  }

  /** What decides whether two answers print alike: their key, or null when they print nothing. */
  likeness(gs: number, gd: number): number | string | null {
    const a = this.answer(gs, gd);
    return a?.edges.length ? a.key : null;
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
    const edges: PairEdge[] = [];
    if (allow.length) edges.push({ allowed: true, partial: false, ports: mergeRanges(allow) });
    if (partial.length) edges.push({ allowed: true, partial: true, ports: mergeRanges(partial) });
    if (deny.length && !this.options.allowedOnly) edges.push({ allowed: false, partial: false, ports: none ? this.everywhere : mergeRanges(deny) });
    return { key, edges };
  }

  /** With a filter, whole rows are counted for the groups it shows toward everything (-n: the namespace's): made for their classes only. */
  wholeRowsFor(groups: readonly number[]): void {
    if (groups.length === this.groups.length) return;
    const within = new Uint32Array(Math.ceil(this.members.length / 32));
    for (const g of groups) {
      const cs = this.classesOf[g]!;
      for (let k = 0; k < cs.length; k += 2) within[cs[k]! >>> 5]! |= 1 << (cs[k]! & 31);
    }
    const words: number[] = [];
    within.forEach((word, w) => {
      if (word !== 0) words.push(w);
    });
    this.wholeRowSources = { within, words };
  }

  /**
   * Allowed member pairs of group `gs` toward every group, per class of ports, into `counts`; with `toward`,
   * toward its groups only (the others' counts are left as they are: the walk reads none of them).
   */
  count(gs: number, toward?: Toward): void {
    const counts = this.counts;
    const Q = this.queries.length;
    const only = toward ? this.narrow(toward) : undefined;
    if (toward) for (const g of toward.list) counts.fill(0, g * Q, (g + 1) * Q);
    else counts.fill(0);
    const own = this.classesOf[gs]!;
    for (let k = 0; k < own.length; k += 2) {
      const s = own[k]!;
      const a = own[k + 1]!;
      const rows = only ? only.rowsOf(s) : this.rowsOf(s);
      for (let qi = 0; qi < Q; qi++) {
        // narrowed rows are compact: word i is word only.words[i] of the whole row
        const row = rows[qi]!;
        for (let i = 0; i < row.length; i++) {
          const w = only ? only.words[i]! : i;
          let word = row[i]!;
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

  /** What counting toward `toward` reads: the classes with a member in one of its groups (a class in none adds nothing the walk reads). */
  private narrow(toward: Toward): Narrowed {
    let n = this.narrowed.get(toward);
    if (n) return n;
    const mask = new Uint32Array(Math.ceil(this.members.length / 32));
    for (const g of toward.list) {
      const cs = this.classesOf[g]!;
      for (let k = 0; k < cs.length; k += 2) mask[cs[k]! >>> 5]! |= 1 << (cs[k]! & 31);
    }
    const words: number[] = [];
    mask.forEach((word, w) => {
      if (word !== 0) words.push(w);
    });
    const fns = this.queries.map((q) => this.reach.rowWithin(q.rep, mask, words));
    const cache = new Map<number, Bits[]>();
    let cached = 0;
    const rowsOf = (s: number): Bits[] => {
      let rows = cache.get(s);
      if (rows) return rows;
      const c = this.classes.classes[s]!;
      rows = fns.map((f) => f(c));
      if (cached + words.length * rows.length > ROW_CACHE_WORDS) {
        cache.clear();
        cached = 0;
      }
      cache.set(s, rows);
      cached += words.length * rows.length;
      return rows;
    };
    this.narrowed.set(toward, (n = { words, rowsOf }));
    return n;
  }

  /** The rows of class `s` for every class of ports, kept while they fit the cache. */
  private rowsOf(s: number): Bits[] {
    let rows = this.rowCache.get(s);
    if (rows) return rows;
    const c = this.classes.classes[s]!;
    this.rowFns ??= this.queries.map((q) => this.reach.rowOf(q.rep, this.wholeRowSources));
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
