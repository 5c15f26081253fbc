/**
 * Flow logs counted by distinct connection instead of kept line by line: real traffic repeats its
 * paths, so attribution runs once per connection while the counts stay exact. Each connection keeps
 * its first few occurrences (file, line, source port) in reading order, which is all the reports
 * quote, so the result equals the line-by-line one. Tallies of parts of the input (files, byte
 * ranges of a file, worker threads) merge into one. Memory grows with distinct connections, never
 * with lines: a connection keeps its count and at most `keep` occurrences (KEPT_OCCURRENCES unless
 * the reader says fewer: only as many as its report quotes), however often it repeats.
 */
import { ABSENT, Ipv4Tuples } from './ipv4-tuples.js';
import { plainMeta, plainRecord, plainSpelling } from './plain-connection.js';
import type { FlowRecord } from './record.js';

/** Occurrences kept per connection by default: as many examples as any report quotes from one connection. */
export const KEPT_OCCURRENCES = 10;

/**
 * Where a line stands in the reading order: by `order`, then file, then line. Reading several logs
 * merged by time (mergeByTime) yields a flow when it has the least time among the files' next flows,
 * which is the order of the largest time seen so far in its own file (`order`), then file and line;
 * reading files one after the other is `order` 0.
 */
export interface Position {
  order: number;
  file: number;
  line: number;
}

export function comparePositions(a: Position, b: Position): number {
  return a.order < b.order ? -1 : a.order > b.order ? 1 : a.file - b.file || a.line - b.line;
}

export interface Occurrence extends Position {
  srcPort?: number;
}

export interface ConnectionCount {
  /**
   * The connection as logged: addresses, port, protocol, verdict, direction, and the time of the
   * first of its lines counted into this tally (file after file: its first line); no source port.
   */
  flow: FlowRecord;
  count: number;
  /** Its first occurrences in reading order, at most the tally's `keep`. */
  firsts: Occurrence[];
}

/** Only flows in [since, until) are counted, as `flows summary --since/--until` says. */
export interface TallyWindow {
  since?: number;
  until?: number;
}

export interface TallyData {
  flows: number;
  first: number;
  last: number;
  deniedPerDay: Map<number, number>;
  window: TallyWindow;
  keep: number;
  /**
   * Per connection its numbers when in the plain spelling (source, destination, meta: plainMeta),
   * else 0, 0, -1: such connections cross threads as numbers, their records made again from them.
   */
  plain: Int32Array;
  /** The keys and records of the other connections, in order. */
  keys: string[];
  reps: FlowRecord[];
  counts: Float64Array;
  kept: Uint8Array;
  /** Pages of PAGE connections' occurrences (the last one partly used). */
  occurrences: Float64Array[];
  firstTimes: Float64Array;
}

const DAY = 86_400_000;
/** Distinct connections are spread over several maps: no input size reaches one Map's limit (2^24 entries). */
const SHARDS = 64;
/** An occurrence in `occurrences`: order, file, line, has a source port (1 or 0), source port. */
const STRIDE = 5;
/** Connections per page of occurrences: pages are added as connections come, never copied. */
const PAGE_BITS = 10;
const PAGE = 1 << PAGE_BITS;

function connectionKey(flow: FlowRecord): string {
  return `${flow.src.text} ${flow.dst.text} ${flow.dstPort} ${flow.protocol} ${flow.verdict} ${flow.direction ?? ''}`;
}

function shardOf(flow: FlowRecord): number {
  const src = flow.src.text;
  const dst = flow.dst.text;
  return (src.charCodeAt(src.length - 1) * 31 + dst.charCodeAt(dst.length - 1) * 7 + dst.charCodeAt(dst.length - 2)) & (SHARDS - 1);
}

/**
 * Connections are numbered as first seen; per connection the count and the kept occurrences live in
 * typed arrays (no object per line or per occurrence, and a tally crosses threads as a few buffers).
 * Only the connection's first record and its key are objects.
 */
export class FlowTally {
  /** Flows counted (inside the window). */
  flows = 0;
  first = Infinity;
  last = -Infinity;
  /** Denied flows per UTC day number. */
  private readonly perDay = new Map<number, number>();
  /** Denials of the day counted last, not yet in perDay: a log runs day after day, so most denials only add here. */
  private day = NaN;
  private dayDenied = 0;
  /** Is connection c a denial (1)? Read for every line, in a small array rather than from its record. */
  private denies: Uint8Array = new Uint8Array(1024);

  /** Denied flows per UTC day number. */
  get deniedPerDay(): Map<number, number> {
    if (this.dayDenied) {
      this.perDay.set(this.day, (this.perDay.get(this.day) ?? 0) + this.dayDenied);
      this.dayDenied = 0;
    }
    return this.perDay;
  }
  /** Connection key -> number, made when first needed (a tally that is only merged into another needs none). */
  private indexShards: Map<string, number>[] | undefined;
  /** Connections in the plain spelling (plainMeta) -> number, made with indexShards. */
  private plainIndex: Ipv4Tuples | undefined;
  private keys: string[] = [];
  private reps: FlowRecord[] = [];
  /** The numbers of the connections a tally from another thread came with (TallyData.plain): no text is read again. */
  private nums: Int32Array | undefined;
  private counts: Float64Array = new Float64Array(1024);
  private kept: Uint8Array = new Uint8Array(1024);
  private occurrences: Float64Array[] = [];
  /** Numbers in `occurrences` per connection: `keep` occurrences of STRIDE. */
  private readonly slot: number;
  /** The time of each connection's first kept occurrence (NaN: none), which replay and advise quote. */
  private firstTimes: Float64Array = new Float64Array(1024).fill(NaN);

  constructor(
    private readonly window: TallyWindow = {},
    /** Occurrences kept per connection: as many as the report quotes (at least 1: the first orders the connections). */
    readonly keep: number = KEPT_OCCURRENCES,
  ) {
    if (!Number.isInteger(keep) || keep < 1 || keep > 255) throw new Error(`a tally keeps 1 to 255 occurrences per connection, not ${keep}`);
    this.slot = keep * STRIDE;
  }

  private get index(): Map<string, number>[] {
    if (!this.indexShards) {
      this.indexShards = Array.from({ length: SHARDS }, () => new Map());
      this.plainIndex = new Ipv4Tuples();
      const nums = this.nums;
      for (let i = 0; i < this.reps.length; i++) {
        const key = this.keys[i]!;
        if (key === '' && nums && i * 3 < nums.length) this.plainIndex.add(nums[i * 3]!, nums[i * 3 + 1]!, nums[i * 3 + 2]!, i);
        else if (key === '') {
          const meta = plainMeta(this.reps[i]!); // before reading the numbers, which it sets
          this.plainIndex.add(plainSpelling.src, plainSpelling.dst, meta, i);
        } else this.indexShards[shardOf(this.reps[i]!)]!.set(key, i);
      }
    }
    return this.indexShards;
  }

  private get plain(): Ipv4Tuples {
    if (!this.plainIndex) void this.index;
    return this.plainIndex!;
  }

  /** Counts one flow at its place in the reading order; false when the window leaves it out. */
  add(flow: FlowRecord, order: number, file: number, line: number): boolean {
    if (!this.inWindow(flow.time)) return false;
    return this.addAt(this.connection(flow), flow.time ?? NaN, order, file, line, flow.srcPort);
  }

  /** Is a flow at time `t` (undefined or NaN: none) inside the window? */
  inWindow(t: number | undefined): boolean {
    const w = this.window;
    if (w.since !== undefined && !(t !== undefined && t >= w.since)) return false;
    if (w.until !== undefined && !(t !== undefined && t < w.until)) return false;
    return true;
  }

  /**
   * The number of the flow's connection, made when new (its count stays 0 until a flow is added):
   * a reader that sees the same connection again counts it by number (addAt) without a record.
   */
  connection(flow: FlowRecord): number {
    const meta = plainMeta(flow);
    return meta >= 0 ? this.plainConnection(flow, meta) : this.connectionByKey(flow, connectionKey(flow));
  }

  /** connection() of a flow in the plain spelling (plainMeta just answered `meta` for it). */
  private plainConnection(flow: FlowRecord, meta: number): number {
    return this.plainConnectionOf(plainSpelling.src, plainSpelling.dst, meta, flow);
  }

  /** connection() of the flow in the plain spelling with these numbers, `flow` its record. */
  private plainConnectionOf(src: number, dst: number, meta: number, flow: FlowRecord): number {
    const plain = this.plain;
    const i = plain.get(src, dst, meta);
    if (i !== ABSENT) return i;
    const n = this.newConnection(flow, '');
    plain.add(src, dst, meta, n);
    return n;
  }

  /**
   * connection() of the flow the numbers stand for (plain-connection.ts; the byte scanner read
   * them from an agent line): its record is made from them the first time, with no line parsed.
   */
  connectionOfNumbers(src: number, dst: number, meta: number): number {
    const plain = this.plain;
    const i = plain.get(src, dst, meta);
    if (i !== ABSENT) return i;
    const n = this.newConnection(plainRecord(src, dst, meta), '');
    plain.add(src, dst, meta, n);
    return n;
  }

  /** connection() with the flow's key already made (another tally's: merge). */
  private connectionByKey(flow: FlowRecord, key: string): number {
    const shard = this.index[shardOf(flow)]!;
    const i = shard.get(key);
    if (i !== undefined) return i;
    const n = this.newConnection(flow, key);
    shard.set(key, n);
    return n;
  }

  /** A new connection's number, its record made from the flow's. */
  private newConnection(flow: FlowRecord, key: string): number {
    const n = this.reps.length;
    const rep: FlowRecord = { src: flow.src, dst: flow.dst, dstPort: flow.dstPort, protocol: flow.protocol, verdict: flow.verdict };
    if (flow.direction) rep.direction = flow.direction;
    this.grow(n + 1);
    this.reps.push(rep);
    this.keys.push(key);
    if (rep.verdict === 'deny') this.denies[n] = 1;
    return n;
  }

  /**
   * Counts one flow of connection `c` (from connection()) at time `t` (NaN: none), at its place in
   * the reading order, with its source port; false when the window leaves it out.
   */
  addAt(c: number, t: number, order: number, file: number, line: number, srcPort: number | undefined): boolean {
    const w = this.window;
    if (w.since !== undefined && !(t >= w.since)) return false;
    if (w.until !== undefined && !(t < w.until)) return false;
    this.flows++;
    if (t === t) {
      if (t < this.first) this.first = t;
      if (t > this.last) this.last = t;
      if (this.denies[c]) {
        const day = Math.floor(t / DAY);
        if (day !== this.day) {
          void this.deniedPerDay;
          this.day = day;
        }
        this.dayDenied++;
      }
    }
    this.counts[c]++;
    const k = this.kept[c]!;
    if (k < this.keep) {
      // lines come in reading order within a tally: appending keeps them sorted
      if (k === 0) this.firstTimes[c] = t;
      const at = (c & (PAGE - 1)) * this.slot + k * STRIDE;
      const o = this.occurrences[c >> PAGE_BITS]!;
      o[at] = order;
      o[at + 1] = file;
      o[at + 2] = line;
      o[at + 3] = srcPort === undefined ? 0 : 1;
      o[at + 4] = srcPort ?? 0;
      this.kept[c] = k + 1;
    }
    return true;
  }

  private grow(n: number): void {
    while (this.occurrences.length << PAGE_BITS < n) this.occurrences.push(new Float64Array(PAGE * this.slot));
    if (n <= this.counts.length) return;
    let cap = Math.max(this.counts.length, 1024);
    while (cap < n) cap *= 2;
    const counts = new Float64Array(cap);
    counts.set(this.counts);
    const kept = new Uint8Array(cap);
    kept.set(this.kept);
    const denies = new Uint8Array(cap);
    denies.set(this.denies);
    this.denies = denies;
    const firstTimes = new Float64Array(cap).fill(NaN);
    firstTimes.set(this.firstTimes);
    this.firstTimes = firstTimes;
    this.counts = counts;
    this.kept = kept;
  }

  private firstsOf(c: number): Occurrence[] {
    const out: Occurrence[] = [];
    const o = this.occurrences[c >> PAGE_BITS]!;
    for (let k = 0, at = (c & (PAGE - 1)) * this.slot; k < this.kept[c]!; k++, at += STRIDE) {
      out.push(o[at + 3] ? { order: o[at]!, file: o[at + 1]!, line: o[at + 2]!, srcPort: o[at + 4]! } : { order: o[at]!, file: o[at + 1]!, line: o[at + 2]! });
    }
    return out;
  }

  /** The connections counted, in no set order; each a view made on demand (firsts made when read). */
  *connections(): Generator<ConnectionCount> {
    for (let c = 0; c < this.reps.length; c++) {
      if (!this.counts[c]) continue;
      yield this.view(c);
    }
  }

  private view(c: number): ConnectionCount {
    const flow = this.reps[c]!;
    const t = this.firstTimes[c]!;
    if (t === t) flow.time = t;
    else delete flow.time;
    return new ConnectionView(this, c, flow, this.counts[c]!);
  }

  /** firstsOf for ConnectionView. */
  static firstsOf(tally: FlowTally, c: number): Occurrence[] {
    return tally.firstsOf(c);
  }

  /** Connections numbered so far (counted or not): plainSince's `from` for the next call. */
  get numbered(): number {
    return this.reps.length;
  }

  /**
   * The numbers (source, destination, meta: plainMeta) of the connections in the plain spelling
   * numbered from `from` on, three per connection: what a reader sends ahead so that attribution can
   * judge them while the counting goes on.
   */
  plainSince(from: number): Int32Array {
    const out: number[] = [];
    for (let i = from; i < this.reps.length; i++) {
      if (this.keys[i] !== '') continue;
      const meta = plainMeta(this.reps[i]!);
      if (meta >= 0) out.push(plainSpelling.src | 0, plainSpelling.dst | 0, meta);
    }
    return Int32Array.from(out);
  }

  get size(): number {
    let n = 0;
    for (let c = 0; c < this.reps.length; c++) if (this.counts[c]) n++;
    return n;
  }

  /**
   * Moves every kept occurrence: `lines` added to its line, and its order raised to at least
   * `minOrder` (a byte range put back after what came before it in its file).
   */
  shiftOccurrences(lines: number, minOrder: number): void {
    for (let c = 0; c < this.reps.length; c++) {
      const o = this.occurrences[c >> PAGE_BITS]!;
      for (let k = 0, at = (c & (PAGE - 1)) * this.slot; k < this.kept[c]!; k++, at += STRIDE) {
        o[at + 2] += lines;
        if (minOrder > o[at]!) o[at] = minOrder;
      }
    }
  }

  /** Adds another tally's counts (the same window and `keep`), keeping the first occurrences of both. */
  merge(other: FlowTally): void {
    if (other.keep !== this.keep) throw new Error('tallies that keep different numbers of occurrences do not merge');
    this.flows += other.flows;
    this.first = Math.min(this.first, other.first);
    this.last = Math.max(this.last, other.last);
    for (const [d, n] of other.deniedPerDay) this.deniedPerDay.set(d, (this.deniedPerDay.get(d) ?? 0) + n);
    const scratch = new Float64Array(this.slot);
    const nums = other.nums;
    for (let j = 0; j < other.reps.length; j++) {
      if (!other.counts[j]) continue;
      const rep = other.reps[j]!;
      const key = other.keys[j]!;
      const c = key !== '' ? this.connectionByKey(rep, key) : nums && j * 3 < nums.length ? this.plainConnectionOf(nums[j * 3]!, nums[j * 3 + 1]!, nums[j * 3 + 2]!, rep) : this.plainConnection(rep, plainMeta(rep));
      this.counts[c] += other.counts[j]!;
      this.mergeOccurrences(c, other, j, scratch);
    }
  }

  /** The first `keep` of both sorted lists, in order (a merge of two sorted runs). */
  private mergeOccurrences(c: number, other: FlowTally, j: number, scratch: Float64Array): void {
    const a = this.occurrences[c >> PAGE_BITS]!;
    const b = other.occurrences[j >> PAGE_BITS]!;
    const na = this.kept[c]!;
    const nb = other.kept[j]!;
    let x = 0;
    let y = 0;
    let n = 0;
    while (n < this.keep && (x < na || y < nb)) {
      const ia = (c & (PAGE - 1)) * this.slot + x * STRIDE;
      const ib = (j & (PAGE - 1)) * other.slot + y * STRIDE;
      const takeA = y >= nb || (x < na && compareAt(a, ia, b, ib) <= 0);
      if (n === 0 && !takeA) this.firstTimes[c] = other.firstTimes[j]!;
      const src = takeA ? a : b;
      const at = takeA ? ia : ib;
      for (let f = 0; f < STRIDE; f++) scratch[n * STRIDE + f] = src[at + f]!;
      if (takeA) x++;
      else y++;
      n++;
    }
    a.set(scratch.subarray(0, n * STRIDE), (c & (PAGE - 1)) * this.slot);
    this.kept[c] = n;
  }

  /**
   * Plain data, to cross to another thread (structured clone keeps Maps and typed arrays, not
   * classes); its typed arrays are copies of their own, which the sender may transfer (transferables()),
   * but for the pages of occurrences, which are handed over: the tally is not used after.
   */
  toData(): TallyData {
    const n = this.reps.length;
    const plain = new Int32Array(3 * n);
    const keys: string[] = [];
    const reps: FlowRecord[] = [];
    for (let i = 0; i < n; i++) {
      if (this.keys[i] === '') {
        const meta = plainMeta(this.reps[i]!);
        // (a connection is keyed '' only when plainMeta answers for it)
        if (meta < 0) throw new Error('a connection counted by its numbers is not in the plain spelling');
        plain[i * 3 + 2] = meta;
        plain[i * 3] = plainSpelling.src;
        plain[i * 3 + 1] = plainSpelling.dst;
      } else {
        plain[i * 3 + 2] = -1;
        keys.push(this.keys[i]!);
        reps.push(this.reps[i]!);
      }
    }
    return {
      flows: this.flows,
      first: this.first,
      last: this.last,
      deniedPerDay: this.deniedPerDay,
      window: this.window,
      keep: this.keep,
      plain,
      keys,
      reps,
      counts: this.counts.slice(0, n),
      kept: this.kept.slice(0, n),
      occurrences: this.occurrences,
      firstTimes: this.firstTimes.slice(0, n),
    };
  }

  /** The buffers of toData's typed arrays: sent as a transfer list, they move instead of being copied. */
  static transferables(d: TallyData): ArrayBuffer[] {
    return [d.plain.buffer, d.counts.buffer, d.kept.buffer, d.firstTimes.buffer, ...d.occurrences.map((p) => p.buffer)] as ArrayBuffer[];
  }

  static fromData(d: TallyData): FlowTally {
    const t = new FlowTally(d.window, d.keep);
    t.flows = d.flows;
    t.first = d.first;
    t.last = d.last;
    for (const [k, n] of d.deniedPerDay) t.perDay.set(k, n);
    const n = d.plain.length / 3;
    // (pushed: an array made with new Array(n) that large is a dictionary, slow to read)
    t.keys = [];
    t.reps = [];
    for (let i = 0, k = 0; i < n; i++) {
      const meta = d.plain[i * 3 + 2]!;
      if (meta >= 0) {
        t.keys.push('');
        t.reps.push(plainRecord(d.plain[i * 3]! >>> 0, d.plain[i * 3 + 1]! >>> 0, meta));
      } else {
        t.keys.push(d.keys[k]!);
        t.reps.push(d.reps[k++]!);
      }
    }
    t.nums = d.plain;
    t.counts = d.counts;
    t.kept = d.kept;
    t.occurrences = d.occurrences;
    t.firstTimes = d.firstTimes;
    t.grow(Math.max(1024, n));
    t.denies = new Uint8Array(t.counts.length);
    for (let i = 0; i < n; i++) if (t.reps[i]!.verdict === 'deny') t.denies[i] = 1;
    return t;
  }

  /** The connections in order of their first occurrence. */
  inOrder(): ConnectionCount[] {
    return [...this.connections()].sort((a, b) => comparePositions(a.firsts[0]!, b.firsts[0]!));
  }
}

/**
 * A connection of a tally as connections() yields it, its occurrences made when first read (a class:
 * one cheap object per connection, where an object literal with a getter is made slowly).
 */
class ConnectionView implements ConnectionCount {
  private made: Occurrence[] | undefined;

  constructor(
    private readonly tally: FlowTally,
    private readonly c: number,
    readonly flow: FlowRecord,
    readonly count: number,
  ) {}

  get firsts(): Occurrence[] {
    return (this.made ??= FlowTally.firstsOf(this.tally, this.c));
  }
}

/** comparePositions of two occurrences in typed arrays. */
function compareAt(a: Float64Array, i: number, b: Float64Array, j: number): number {
  const oa = a[i]!;
  const ob = b[j]!;
  return oa < ob ? -1 : oa > ob ? 1 : a[i + 1]! - b[j + 1]! || a[i + 2]! - b[j + 2]!;
}
