/**
 * The flows `replay` and `advise` read, as distinct connections with their counts in the order of
 * their first lines (src/flows/counted.ts): from files counted on every core (src/sources/flow-tally.ts,
 * read file after file), or from the tuples a Logs Insights query counted. With --strict, line by
 * line, as it stops at the first malformed line.
 */
import { countedInTimeOrder } from '../flows/aggregated.js';
import { countedFromTally, countedLine, type CountedFlow } from '../flows/counted.js';
import { formatDiagnostic, type Diagnostic } from '../k8s/errors.js';
import { expandLogPaths, type ReadStats } from '../sources/flow-files.js';
import { tallyFiles, type TallyOptions } from '../sources/flow-tally.js';
import { cloudWatchTuples, type CloudWatchFlags } from './cloudwatch.js';
import { flowFormat, flowThreads, readFlows, type FlowFlags } from './flow-inputs.js';
import { timeWindow } from './incident-inputs.js';
import type { CliIO } from './io.js';

export async function countedFlows(source: 'files' | 'cloudwatch', logs: string[], f: FlowFlags & CloudWatchFlags, stats: ReadStats, io: CliIO): Promise<Iterable<CountedFlow> | AsyncIterable<CountedFlow>> {
  return countAhead(source, logs, f, stats, io).result();
}

/**
 * Log files counted while the caller does something else (loads the cluster: the counting runs on
 * worker threads meanwhile). What the counting says, its warnings and its failure, is said when the
 * result is asked for, as if it had only started then; cancel() when the result is no longer wanted.
 */
export interface Ahead<T> {
  result(): Promise<T>;
  cancel(): void;
}

/** Starts counting the logs of replay or advise now (files without --strict; the rest is read when asked for). */
export function countAhead(source: 'files' | 'cloudwatch', logs: string[], f: FlowFlags & CloudWatchFlags, stats: ReadStats, io: CliIO): Ahead<Iterable<CountedFlow> | AsyncIterable<CountedFlow>> {
  if (source === 'cloudwatch') return later(async () => countedInTimeOrder(await cloudWatchTuples(f, timeWindow(f), stats, io)));
  if (f.strict) return later(async () => linesCounted(logs, f, stats, io));
  return aheadOnFiles(logs, io, (paths, ahead) => {
    const format = flowFormat(f.format);
    // replay and advise quote a connection's first line only (counted.ts): one occurrence is kept
    return tallyFiles(paths, stats, { ...(format ? { format } : {}), ordering: 'sequence', threads: flowThreads(), keep: 1, ...ahead }).then((tally) => countedFromTally(tally, paths));
  });
}

/**
 * Counting of the log files started now; the warnings about the paths are held until the result is
 * asked for. `count` is given the tally options that say so: `signal` aborts when the result is no
 * longer wanted, `callerFree` settles when it is asked for (until then the caller's thread is busy).
 */
export function aheadOnFiles<T>(logs: string[], io: CliIO, count: (paths: string[], ahead: Required<Pick<TallyOptions, 'signal' | 'callerFree'>>) => Promise<T>): Ahead<T> {
  const control = new AbortController();
  const warnings: Diagnostic[] = [];
  let free!: () => void;
  const callerFree = new Promise<void>((resolve) => (free = resolve));
  const started = (async () => count(expandLogPaths(logs, (d) => warnings.push(d)), { signal: control.signal, callerFree }))();
  // a failure is reported when the result is asked for (after the cluster's own), never unhandled
  started.catch(() => undefined);
  return {
    async result() {
      free();
      for (const d of warnings.splice(0)) io.err(`${formatDiagnostic(d)}\n`);
      return started;
    },
    cancel: () => {
      free();
      control.abort();
    },
  };
}

function later<T>(start: () => Promise<T>): Ahead<T> {
  return { result: start, cancel: () => undefined };
}

async function* linesCounted(logs: string[], f: FlowFlags, stats: ReadStats, io: CliIO): AsyncGenerator<CountedFlow> {
  for await (const flow of readFlows(logs, f, stats, io)) yield countedLine(flow);
}
