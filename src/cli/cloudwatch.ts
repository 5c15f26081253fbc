/**
 * `--cloudwatch LOG_GROUP` for the commands that read flows (flows summary, incidents, replay,
 * advise): the flows counted by a Logs Insights query instead of the lines of files, fed to the
 * same consumers (docs/flows-cloudwatch.md).
 */
import type { Command } from 'commander';
import { flowsInTimeOrder, type AggregatedFlow } from '../flows/aggregated.js';
import type { FlowRecord } from '../flows/record.js';
import { queryFlowTuples, type QueryProgress } from '../sources/cloudwatch.js';
import type { ReadStats } from '../sources/flow-files.js';
import { UsageError, type CliIO } from './io.js';
import { forTerminal } from './terminal.js';

export interface CloudWatchFlags {
  cloudwatch?: string;
  region?: string;
  cloudwatchTimeout?: string;
  since?: string;
  until?: string;
  format?: string;
  strict?: boolean;
}

/** --cloudwatch and --region; --since/--until too where the command has no time window of its own. */
export function addCloudWatchOptions(cmd: Command, withWindow: boolean): Command {
  cmd
    .option('--cloudwatch <log-group>', 'read the flows from this CloudWatch Logs group (the EKS agent writes to /aws/eks/CLUSTER/cluster), counted there by a Logs Insights query; needs --since')
    .option('--region <region>', 'AWS region of --cloudwatch (default: AWS_REGION / the shared config)')
    .option('--cloudwatch-timeout <duration>', 'the longest one Logs Insights query may run before podwall stops it (e.g. 90s, 10m, 1h)', '15m');
  if (withWindow) {
    cmd
      .option('--since <time>', 'with --cloudwatch: flows at or after this time: ISO 8601 time or date, or how long ago (30m, 24h, 7d)')
      .option('--until <time>', 'with --cloudwatch: flows before this time (default: now)');
  }
  return cmd;
}

/** Which source the arguments name: log files, or a log group; never both, never neither. */
export function flowSource(logs: readonly string[], f: CloudWatchFlags): 'files' | 'cloudwatch' {
  if (f.cloudwatch !== undefined) {
    if (logs.length) throw new UsageError(`give flow log files or --cloudwatch ${f.cloudwatch}, not both`);
    if (f.cloudwatch.trim() === '') throw new UsageError('--cloudwatch needs a log group name (the EKS agent writes to /aws/eks/CLUSTER/cluster)');
    if (f.format !== undefined) throw new UsageError('--format is for log files: a log group holds the agent\'s CloudWatch events');
    return 'cloudwatch';
  }
  if (f.region !== undefined) throw new UsageError('--region goes with --cloudwatch');
  if (!logs.length) throw new UsageError('give flow log files (or --cloudwatch LOG_GROUP)');
  return 'files';
}

/** The same check for commands whose --since/--until exist only for --cloudwatch. */
export function windowOnlyWithCloudWatch(f: CloudWatchFlags): void {
  if (f.cloudwatch === undefined && (f.since !== undefined || f.until !== undefined)) throw new UsageError('--since and --until go with --cloudwatch here');
}

/**
 * The flows of the log group in the window, one per line counted, in time order; counts go into
 * `stats`. `cutAt`: times no counted tuple may straddle (the snapshots').
 */
export async function cloudWatchFlows(f: CloudWatchFlags, window: { since?: number; until?: number }, stats: ReadStats, io: CliIO, cutAt: readonly number[] = []): Promise<Iterable<FlowRecord>> {
  return flowsInTimeOrder(await cloudWatchTuples(f, window, stats, io, cutAt));
}

/** The same flows as counted tuples (`flows summary`, `replay` and `advise` take them so, src/flows/aggregated.ts). */
export async function cloudWatchTuples(f: CloudWatchFlags, window: { since?: number; until?: number }, stats: ReadStats, io: CliIO, cutAt: readonly number[] = []): Promise<AggregatedFlow[]> {
  const logGroup = f.cloudwatch!;
  // Insights is paid per byte scanned: how far back to read is the user's choice, never a default
  if (window.since === undefined) throw new UsageError(`--cloudwatch ${logGroup} needs --since (how far back to read, e.g. --since 24h or --since 2026-11-20): CloudWatch charges for the data each query scans`);
  const until = window.until ?? Date.now();
  const maxWaitMs = queryTimeout(f.cloudwatchTimeout);
  const progress = terminalProgress(logGroup);
  let result;
  try {
    result = await queryFlowTuples({ logGroup, since: window.since, until, cutAt, ...(f.region ? { region: f.region } : {}), maxWaitMs, onProgress: progress.update });
  } finally {
    progress.done();
  }
  stats.lines += result.lines;
  stats.flows += result.flows;
  stats.skipped += result.skipped;
  stats.malformed += result.malformed;
  // --strict: a broken line stops the run, as in a file (which line it was, the log group does not say)
  if (f.strict && result.malformedExamples.length) throw new UsageError(`log group ${logGroup}: malformed flow line: ${result.malformedExamples[0]!.reason} (${result.malformedExamples[0]!.count} line(s); --strict)`);
  for (const m of result.malformedExamples) io.err(`podwall: warning: log group ${logGroup}: ${m.count} line(s) not read: ${m.reason}\n`);
  for (const t of result.truncated) {
    io.err(
      `podwall: warning: log group ${logGroup}: ${new Date(t.since).toISOString()} to ${new Date(t.until).toISOString()} has more distinct flows than one Logs Insights query returns (${t.uncounted} lines not counted), even in spans of ${Math.round((t.until - t.since) / 1000)} s: the figures for it are short\n`,
    );
  }
  io.err(`podwall: log group ${logGroup}: ${result.lines} flow lines in ${result.tuples.length} distinct flows, ${result.queries} Logs Insights quer${result.queries === 1 ? 'y' : 'ies'}, ${(result.bytesScanned / 1e6).toFixed(1)} MB scanned\n`);
  return result.tuples;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

function queryTimeout(v: string | undefined): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)$/.exec((v ?? '15m').trim());
  const ms = m ? Number(m[1]) * UNITS[m[2]!]! : NaN;
  if (!(ms > 0)) throw new UsageError(`--cloudwatch-timeout ${JSON.stringify(v)}: expected a duration such as 90s, 10m or 1h`);
  return ms;
}

/** Progress on stderr, on a terminal only (never on a pipe or into a file), rewritten in place. */
function terminalProgress(logGroup: string): { update: (p: QueryProgress) => void; done: () => void } {
  if (!process.stderr.isTTY) return { update: () => undefined, done: () => undefined };
  let shown = false;
  return {
    update: (p) => {
      shown = true;
      process.stderr.write(`\r\x1b[Kpodwall: ${forTerminal(logGroup)}: Logs Insights queries ${p.queriesDone} done, ${p.queriesPending} to go, ${p.rows} distinct flows, ${p.recordsScanned} events scanned`);
    },
    done: () => {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}

/** When each dated snapshot came into force. */
export function snapshotTimes(snapshots: readonly { at?: number }[]): number[] {
  return snapshots.flatMap((s) => (s.at === undefined ? [] : [s.at]));
}
