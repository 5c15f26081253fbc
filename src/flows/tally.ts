/**
 * Flow logs counted by distinct connection instead of kept line by line: real traffic repeats its
 * paths, so attribution runs once per connection while the counts stay exact. Each connection keeps
 * its first few occurrences (file, line, source port) in reading order, which is all the reports
 * quote, so the result equals the line-by-line one. Tallies of parts of the input (files, byte
 * ranges of a file, worker threads) merge into one. Memory grows with distinct connections, never
 * with lines.
 */
import type { FlowRecord } from './record.js';

/** Occurrences kept per connection: as many examples as any report quotes from one connection. */
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
  /** Its first occurrences in reading order, at most KEPT_OCCURRENCES. */
  firsts: Occurrence[];
}

/** Only flows in [since, until) are counted, as `flows summary --since/--until` says. */
export interface TallyWindow {
  since?: number;
  until?: number;
}

function occurrence(flow: FlowRecord, order: number, file: number, line: number): Occurrence {
  return flow.srcPort !== undefined ? { order, file, line, srcPort: flow.srcPort } : { order, file, line };
}

export interface TallyData {
  flows: number;
  first: number;
  last: number;
  deniedPerDay: Map<number, number>;
  shards: Map<string, ConnectionCount>[];
  window: TallyWindow;
}

const DAY = 86_400_000;
/** Distinct connections are spread over several maps: no input size reaches one Map's limit (2^24 entries). */
const SHARDS = 64;

export class FlowTally {
  /** Flows counted (inside the window). */
  flows = 0;
  first = Infinity;
  last = -Infinity;
  /** Denied flows per UTC day number. */
  readonly deniedPerDay = new Map<number, number>();
  private readonly shards: Map<string, ConnectionCount>[] = Array.from({ length: SHARDS }, () => new Map());

  constructor(private readonly window: TallyWindow = {}) {}

  /** Counts one flow at its place in the reading order; false when the window leaves it out. */
  add(flow: FlowRecord, order: number, file: number, line: number): boolean {
    const t = flow.time;
    if (this.window.since !== undefined && (t === undefined || t < this.window.since)) return false;
    if (this.window.until !== undefined && (t === undefined || t >= this.window.until)) return false;
    this.flows++;
    if (t !== undefined) {
      if (t < this.first) this.first = t;
      if (t > this.last) this.last = t;
      if (flow.verdict === 'deny') {
        const day = Math.floor(t / DAY);
        this.deniedPerDay.set(day, (this.deniedPerDay.get(day) ?? 0) + 1);
      }
    }
    const src = flow.src.text;
    const dst = flow.dst.text;
    const key = `${src} ${dst} ${flow.dstPort} ${flow.protocol} ${flow.verdict} ${flow.direction ?? ''}`;
    const shard = this.shards[(src.charCodeAt(src.length - 1) * 31 + dst.charCodeAt(dst.length - 1) * 7 + dst.charCodeAt(dst.length - 2)) & (SHARDS - 1)]!;
    const c = shard.get(key);
    if (c) {
      c.count++;
      if (c.firsts.length < KEPT_OCCURRENCES) c.firsts.push(occurrence(flow, order, file, line));
      return true;
    }
    const rep: FlowRecord = { src: flow.src, dst: flow.dst, dstPort: flow.dstPort, protocol: flow.protocol, verdict: flow.verdict };
    if (flow.direction) rep.direction = flow.direction;
    if (flow.time !== undefined) rep.time = flow.time; // its first line's, which replay and advise quote
    shard.set(key, { flow: rep, count: 1, firsts: [occurrence(flow, order, file, line)] });
    return true;
  }

  *connections(): Generator<ConnectionCount> {
    for (const s of this.shards) yield* s.values();
  }

  get size(): number {
    return this.shards.reduce((n, s) => n + s.size, 0);
  }

  /** Adds another tally's counts (the same window), keeping the first occurrences of both. */
  merge(other: FlowTally): void {
    this.flows += other.flows;
    this.first = Math.min(this.first, other.first);
    this.last = Math.max(this.last, other.last);
    for (const [d, n] of other.deniedPerDay) this.deniedPerDay.set(d, (this.deniedPerDay.get(d) ?? 0) + n);
    other.shards.forEach((s, i) => {
      const mine = this.shards[i]!;
      for (const [k, c] of s) {
        const m = mine.get(k);
        if (!m) mine.set(k, c);
        else {
          m.count += c.count;
          m.firsts = [...m.firsts, ...c.firsts].sort(comparePositions).slice(0, KEPT_OCCURRENCES);
        }
      }
    });
  }

  /** Plain data, to cross to another thread (structured clone keeps Maps, not classes). */
  toData(): TallyData {
    return { flows: this.flows, first: this.first, last: this.last, deniedPerDay: this.deniedPerDay, shards: this.shards, window: this.window };
  }

  static fromData(d: TallyData): FlowTally {
    const t = new FlowTally(d.window);
    t.flows = d.flows;
    t.first = d.first;
    t.last = d.last;
    for (const [k, n] of d.deniedPerDay) t.deniedPerDay.set(k, n);
    d.shards.forEach((s, i) => (t.shards[i] = s));
    return t;
  }

  /** The connections in order of their first occurrence. */
  inOrder(): ConnectionCount[] {
    return [...this.connections()].sort((a, b) => comparePositions(a.firsts[0]!, b.firsts[0]!));
  }
}
