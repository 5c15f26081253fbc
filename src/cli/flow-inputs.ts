/**
 * The flags of the commands that read flow logs (--snapshot, --format, --strict), the logs read as they say,
 * and the threads that count them: shared by flows summary, incidents, replay and advise (counted-flows.ts),
 * watch and serve, so that none of them imports another command's module.
 */
import { Command } from 'commander';
import { availableParallelism } from 'node:os';
import { formatDiagnostic } from '../k8s/errors.js';
import type { FlowFormat } from '../flows/record.js';
import { expandLogPaths, readFlowFiles, type LocatedFlow, type ReadStats } from '../sources/flow-files.js';
import { addInputOptions, collect, type InputFlags } from './inputs.js';
import { UsageError, type CliIO } from './io.js';

export interface FlowFlags extends InputFlags {
  snapshot?: string[];
  format?: string;
  strict?: boolean;
}

const FORMATS: readonly FlowFormat[] = ['agent', 'cloudwatch', 'vpc', 'csv', 'jsonl'];

/** The flags of every command that reads flow logs. */
export function addFlowOptions(cmd: Command): Command {
  addInputOptions(cmd);
  return cmd
    .option('--snapshot <path@time>', 'an earlier state of the cluster and when it came into force (ISO 8601); repeatable', collect)
    .option('--format <format>', `force the log format: ${FORMATS.join('|')} (default: detected per file)`)
    .option('--strict', 'stop at the first malformed line instead of counting it');
}

/** The flows of the log arguments, as the flags say to read them; counts go into `stats`. */
export function readFlows(logs: string[], f: FlowFlags, stats: ReadStats, io?: CliIO): AsyncGenerator<LocatedFlow> {
  const format = flowFormat(f.format);
  return readFlowFiles(expandLogPaths(logs, (d) => io?.err(`${formatDiagnostic(d)}\n`)), stats, { ...(format ? { format } : {}), ...(f.strict ? { strict: true } : {}) });
}

/** Threads to read flow logs with: every core (PODWALL_FLOW_THREADS overrides; 1 reads in the main thread). */
export function flowThreads(): number {
  const env = Number(process.env.PODWALL_FLOW_THREADS);
  if (Number.isInteger(env) && env >= 1) return env;
  return Math.max(1, Math.min(availableParallelism(), 8));
}

export function flowFormat(v: string | undefined): FlowFormat | undefined {
  if (v === undefined) return undefined;
  if (!FORMATS.includes(v as FlowFormat)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
  return v as FlowFormat;
}
