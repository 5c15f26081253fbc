/**
 * Flows counted where they live (a CloudWatch Logs Insights query, docs/flows-cloudwatch.md): one
 * tuple per source, destination, port, protocol and verdict in a span of time, with how many lines
 * it stands for and the times of the first and the last. They are fed to the consumers of flows
 * (summary, incidents, replay, advise) through the same `add` as the lines of a file, so that every
 * line is counted once and attributed exactly as a file's line would be.
 */
import type { FlowRecord } from './record.js';

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
  const events: { time: number; n: number; flow: FlowRecord }[] = [];
  for (const t of tuples) {
    if (t.count < 1) continue;
    if (t.count === 1 || t.first === t.last) {
      events.push({ time: t.first, n: t.count, flow: t.flow });
      continue;
    }
    events.push({ time: t.first, n: t.count - 1, flow: t.flow }, { time: t.last, n: 1, flow: t.flow });
  }
  events.sort((a, b) => a.time - b.time);
  for (const e of events) {
    const flow: FlowRecord = { ...e.flow, time: e.time };
    for (let i = 0; i < e.n; i++) yield flow;
  }
}
