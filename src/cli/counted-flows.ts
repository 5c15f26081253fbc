/**
 * The flows `replay` and `advise` read, as distinct connections with their counts in the order of
 * their first lines (src/flows/counted.ts): from files counted on every core (src/sources/flow-tally.ts,
 * read file after file), or from the tuples a Logs Insights query counted. With --strict, line by
 * line, as it stops at the first malformed line.
 */
import { countedInTimeOrder } from '../flows/aggregated.js';
import { countedFromTally, countedLine, type CountedFlow } from '../flows/counted.js';
import { formatDiagnostic } from '../k8s/errors.js';
import { expandLogPaths, type ReadStats } from '../sources/flow-files.js';
import { tallyFiles } from '../sources/flow-tally.js';
import { cloudWatchTuples, type CloudWatchFlags } from './cloudwatch.js';
import { flowFormat, flowThreads, readFlows, type FlowFlags } from './flows.js';
import { timeWindow } from './incident-inputs.js';
import type { CliIO } from './io.js';

export async function countedFlows(source: 'files' | 'cloudwatch', logs: string[], f: FlowFlags & CloudWatchFlags, stats: ReadStats, io: CliIO): Promise<Iterable<CountedFlow> | AsyncIterable<CountedFlow>> {
  if (source === 'cloudwatch') return countedInTimeOrder(await cloudWatchTuples(f, timeWindow(f), stats, io));
  if (f.strict) return linesCounted(logs, f, stats, io);
  const paths = expandLogPaths(logs, (d) => io.err(`${formatDiagnostic(d)}\n`));
  const format = flowFormat(f.format);
  // replay and advise quote a connection's first line only (counted.ts): one occurrence is kept
  return countedFromTally(await tallyFiles(paths, stats, { ...(format ? { format } : {}), ordering: 'sequence', threads: flowThreads(), keep: 1 }), paths);
}

async function* linesCounted(logs: string[], f: FlowFlags, stats: ReadStats, io: CliIO): AsyncGenerator<CountedFlow> {
  for await (const flow of readFlows(logs, f, stats, io)) yield countedLine(flow);
}
