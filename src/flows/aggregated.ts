/**
 * Flows counted where they live (a CloudWatch Logs Insights query, docs/flows-cloudwatch.md): one
 * tuple per source, destination, port, protocol and verdict in a span of time, with how many lines
 * it stands for and the times of the first and the last. Each line counts once and is attributed
 * exactly as a file's line would be: `flows summary`, `replay` and `advise` take the tuples counted
 * (a tally, counted flows), attributing each once; `incidents` and a summary over several states of
 * the cluster take them as lines in time order, which the detector needs.
 */
import type { CountedFlow } from './counted.js';
import type { FlowRecord } from './record.js';
import type { CountedTally } from './summary.js';
import { KEPT_OCCURRENCES, type ConnectionCount, type Occurrence } from './tally.js';

export interface AggregatedFlow {
  /** The tuple (no time: the times are `first` and `last`). */
  flow: FlowRecord;
  /** Lines of the log the tuple stands for (at least 1). */
  count: number;
  /** Time of the first and of the last of those lines (ms). */
  first: number;
  last: number;
}

/**
 * The flows of the tuples, one per line counted, in time order: each tuple's lines but its last at
 * its first time, and its last at its last time. A day, a week or a snapshot never falls between
 * the two as long as the tuples were counted per hour within spans cut at the snapshot times (which
 * is how src/sources/cloudwatch.ts asks for them), so the counters come out as from the lines.
 */
export function* flowsInTimeOrder(tuples: readonly AggregatedFlow[]): Generator<FlowRecord> {
  for (const e of runs(tuples)) {
    const flow: FlowRecord = { ...tuples[e.tuple]!.flow, time: e.time };
    for (let i = 0; i < e.n; i++) yield flow;
  }
}

/** The lines of the tuples as runs of `n` lines of one tuple at `time`, in time order (ties: in the tuples' order). */
function runs(tuples: readonly AggregatedFlow[]): { time: number; n: number; tuple: number }[] {
  const events: { time: number; n: number; tuple: number }[] = [];
  tuples.forEach((t, i) => {
    if (t.count < 1) return;
    if (t.count === 1 || t.first === t.last) events.push({ time: t.first, n: t.count, tuple: i });
    else events.push({ time: t.first, n: t.count - 1, tuple: i }, { time: t.last, n: 1, tuple: i });
  });
  return events.sort((a, b) => a.time - b.time);
}

/**
 * The tuples as counted flows in the order `flowsInTimeOrder` first yields each (replay, advise):
 * their first line is at their first time.
 */
export function countedInTimeOrder(tuples: readonly AggregatedFlow[]): CountedFlow[] {
  const out: CountedFlow[] = [];
  const met: boolean[] = new Array(tuples.length).fill(false);
  for (const e of runs(tuples)) {
    if (met[e.tuple]) continue;
    met[e.tuple] = true;
    const t = tuples[e.tuple]!;
    out.push({ flow: t.flow, count: t.count, first: { time: t.first } });
  }
  return out;
}

const DAY = 86_400_000;

/**
 * The tuples as a tally (`flows summary` with one state of the cluster): the figures, and the
 * positions of their first lines, of `flowsInTimeOrder`'s lines; a position's line number is the
 * line's place in that order, so examples come out as from the lines. No file: the examples name none.
 */
export function tallyOfTuples(tuples: readonly AggregatedFlow[]): CountedTally {
  const connections: ConnectionCount[] = [];
  const byTuple: (ConnectionCount | undefined)[] = new Array(tuples.length);
  const deniedPerDay = new Map<number, number>();
  let flows = 0;
  let first = Infinity;
  let last = -Infinity;
  let line = 0;
  for (const e of runs(tuples)) {
    const t = tuples[e.tuple]!;
    flows += e.n;
    if (e.time < first) first = e.time;
    if (e.time > last) last = e.time;
    if (t.flow.verdict === 'deny') {
      const day = Math.floor(e.time / DAY);
      deniedPerDay.set(day, (deniedPerDay.get(day) ?? 0) + e.n);
    }
    let c = byTuple[e.tuple];
    if (!c) connections.push((c = byTuple[e.tuple] = { flow: t.flow, count: t.count, firsts: [] }));
    for (let k = 0; k < e.n && c.firsts.length < KEPT_OCCURRENCES; k++) c.firsts.push({ order: e.time, file: 0, line: line + k + 1 } satisfies Occurrence);
    line += e.n;
  }
  return {
    flows,
    first,
    last,
    deniedPerDay,
    *connections() {
      yield* connections;
    },
  };
}
