import { formatDiagnostic } from '../k8s/errors.js';
/** What `incidents` and `flows summary` share: the thresholds as flags, the time-merged logs, the timeline and the detector. */
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { Attributor, type Snapshot } from '../flows/attribute.js';
import { mergeByTime } from '../flows/merge.js';
import { parseTime } from '../flows/record.js';
import { CauseFinder } from '../incidents/cause.js';
import { IncidentDetector } from '../incidents/detector.js';
import { DEFAULT_INCIDENT_OPTIONS, type IncidentOptions } from '../incidents/options.js';
import { buildTimeline, timelineSnapshots, type RecordedPolicyChange } from '../incidents/timeline.js';
import { expandLogPaths, readFlowFile, type LocatedFlow, type ReadStats } from '../sources/flow-files.js';
import { HistoryStore } from '../store/history.js';
import { flowFormat, type FlowFlags } from './flow-inputs.js';
import { buildOptions } from './inputs.js';
import { UsageError, type CliIO } from './io.js';
import { loadSnapshots } from './snapshots.js';

export interface IncidentFlags extends FlowFlags {
  minAllowed?: string;
  minHistory?: string;
  recent?: string;
}

/** The thresholds of docs/incidents.md, as flags (shared with `flows summary`). */
export function addIncidentOptions(cmd: Command): Command {
  return cmd
    .option('--min-allowed <n>', 'incidents: allowed flows a connection needs before a change to be legitimate', String(DEFAULT_INCIDENT_OPTIONS.minAllowed))
    .option('--min-history <duration>', 'incidents: time from the first to the last of those flows', '10m')
    .option('--recent <duration>', 'incidents: the last allowed flow must be at most this long before the change', '1h');
}

export function incidentOptions(f: IncidentFlags): IncidentOptions {
  const k = Number(f.minAllowed ?? DEFAULT_INCIDENT_OPTIONS.minAllowed);
  if (!Number.isInteger(k) || k < 1) throw new UsageError('--min-allowed must be a positive whole number');
  return {
    minAllowed: k,
    minHistoryMs: f.minHistory === undefined ? DEFAULT_INCIDENT_OPTIONS.minHistoryMs : duration('--min-history', f.minHistory),
    recentMs: f.recent === undefined ? DEFAULT_INCIDENT_OPTIONS.recentMs : duration('--recent', f.recent),
  };
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration flag (`500ms`, `30s`, `10m`, `2h`, `1d`) in ms. */
export function duration(flag: string, v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(v.trim());
  if (!m) throw new UsageError(`${flag} ${JSON.stringify(v)}: expected a duration such as 30s, 10m, 2h or 1d`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

/** `--since`/`--until`: a time or date (ISO 8601, epoch seconds), or a duration before `now` (`24h`, `7d`, `1h30m`, as kubectl logs --since). */
export function timeWindow(f: { since?: string; until?: string }, now = Date.now()): { since?: number; until?: number } {
  const window: { since?: number; until?: number } = {};
  for (const [k, v] of [['since', f.since], ['until', f.until]] as const) {
    if (v === undefined) continue;
    const ago = relativeDuration(v);
    const t = ago !== undefined ? now - ago : parseTime(v);
    if (t === undefined) throw new UsageError(`--${k} ${JSON.stringify(v)}: expected a time or date (2026-11-20, 2026-11-20T08:00:00Z) or how long ago (30m, 24h, 7d)`);
    window[k] = t;
  }
  return window;
}

const AGO_UNITS: Record<string, number> = { ...UNITS, w: 7 * 86_400_000 };

/** `24h`, `7d`, `1h30m`: milliseconds; undefined for anything else (a number alone is an epoch time). */
function relativeDuration(v: string): number | undefined {
  const text = v.trim();
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) total += Number(m[1]) * AGO_UNITS[m[2]!]!;
  return total;
}

/** The logs merged in time order (one stream per file), as incident detection needs them. */
export async function* readFlowsByTime(logs: string[], f: FlowFlags, stats: ReadStats, io?: CliIO): AsyncGenerator<LocatedFlow> {
  const format = flowFormat(f.format);
  const options = { ...(format ? { format } : {}), ...(f.strict ? { strict: true } : {}) };
  // FIFOs and devices in a log directory are skipped with a warning, as for unordered reading
  yield* mergeByTime(expandLogPaths(logs, (d) => io?.err(`${formatDiagnostic(d)}\n`)).map((p) => readFlowFile(p, stats, options)));
  // files are read side by side: list the first malformed lines in file order
  stats.malformedExamples.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

/**
 * The recorded policy changes of a history database given with --db (it must exist); with `cluster`, that
 * cluster's and those recorded without one. Without `cluster`, a database holding the changes of several
 * clusters is refused: one cluster's change would be blamed for another's blocked flows.
 */
export function recordedPolicyChanges(db: string | undefined, cluster?: string): RecordedPolicyChange[] {
  if (db === undefined) return [];
  if (!existsSync(db)) throw new UsageError(`--db ${db}: no such history database (record policy changes with podwall watch --record)`);
  const store = new HistoryStore(db);
  try {
    const clusters = cluster === undefined ? store.policyChangeClusters() : [];
    if (clusters.length > 1) throw new UsageError(`--db ${db} holds the policy changes of ${clusters.length} clusters (${clusters.join(', ')}): give --cluster-name with the one these flows come from`);
    return store.policyChanges(cluster);
  } finally {
    store.close();
  }
}

/** Snapshots and recorded changes -> the timeline, the attribution over it, and the detector. */
export async function incidentMachinery(f: IncidentFlags, io: CliIO, records: RecordedPolicyChange[], window: { since?: number; until?: number }): Promise<{ attributor: Attributor; detector: IncidentDetector; snapshots: Snapshot[]; changePoints: number }> {
  const options = incidentOptions(f);
  const timeline = buildTimeline(await loadSnapshots(f, io), records);
  if (timeline.ignoredRecords) io.err(`podwall: ${timeline.ignoredRecords} recorded policy changes came before any snapshot or baseline and were left out\n`);
  const build = buildOptions(f);
  const snapshots = timelineSnapshots(timeline, build);
  const attributor = new Attributor(snapshots);
  const detector = new IncidentDetector(attributor, timeline.changes, new CauseFinder(timeline, snapshots, attributor, build), options, window);
  return { attributor, detector, snapshots, changePoints: timeline.changes.length };
}
