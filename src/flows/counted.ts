/**
 * A distinct connection of the logs with how many lines it stands for and where it was first seen:
 * what `replay` and `advise` take instead of every line (their figures add up, their examples quote
 * a first line). Given in the order of their first lines, a consumer that keeps whatever it met
 * first (a pair's verdict, a rule's example) ends as if it had read the lines one by one.
 */
import type { FlowRecord } from './record.js';
import type { FlowTally } from './tally.js';

export interface CountedFlow {
  /** The connection as logged: addresses, port, protocol, verdict, direction (no time, no source port). */
  flow: FlowRecord;
  /** Lines it stands for (at least 1). */
  count: number;
  /** Its first line in reading order: when, and where (file and line number, for a file). */
  first: { time?: number; file?: string; line?: number };
}

/** One line as a counted flow of one. */
export function countedLine(flow: FlowRecord & { file?: string; line?: number }): CountedFlow {
  const first: CountedFlow['first'] = {};
  if (flow.time !== undefined) first.time = flow.time;
  if (flow.file !== undefined) {
    first.file = flow.file;
    first.line = flow.line!;
  }
  return { flow, count: 1, first };
}

/** A tally's connections (counted file after file: ordering 'sequence') in the order of their first lines; `files` names its file numbers. */
export function* countedFromTally(tally: FlowTally, files: readonly string[]): Generator<CountedFlow> {
  for (const c of tally.inOrder()) {
    const at = c.firsts[0]!;
    const first: CountedFlow['first'] = { file: files[at.file]!, line: at.line };
    // the record holds its first line's time (tally.ts; read file after file, that is this line)
    if (c.flow.time !== undefined) first.time = c.flow.time;
    const { time: _, ...flow } = c.flow;
    yield { flow, count: c.count, first };
  }
}
