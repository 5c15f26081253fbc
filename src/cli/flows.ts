import { Command } from 'commander';
import { formatDiagnostic } from '../k8s/errors.js';
import { existsSync } from 'node:fs';
import { tallyOfTuples } from '../flows/aggregated.js';
import { Attributor } from '../flows/attribute.js';
import { FlowSummarizer, SUMMARY_EXAMPLES, type CountedTally, type FlowSummary, type GroupBy } from '../flows/summary.js';
import type { TallyWindow } from '../flows/tally.js';
import { incidentFigures, type IncidentFigures } from '../incidents/figures.js';
import { formatFlowSummary } from '../report/flows.js';
import { expandLogPaths, newStats, type ReadStats } from '../sources/flow-files.js';
import { tallyFiles, type TallyOptions } from '../sources/flow-tally.js';
import { defaultDbPath, HistoryStore } from '../store/history.js';
import { aheadOnFiles } from './counted-flows.js';
import { addFlowOptions, flowFormat, flowThreads, type FlowFlags } from './flow-inputs.js';
import { addCloudWatchOptions, cloudWatchFlows, cloudWatchTuples, flowSource, snapshotTimes, type CloudWatchFlags } from './cloudwatch.js';
import { addIncidentOptions, incidentMachinery, incidentOptions, readFlowsByTime, recordedPolicyChanges, timeWindow, type IncidentFlags } from './incident-inputs.js';
import { loadSnapshots } from './snapshots.js';
import { parseOutput } from './inputs.js';
import { addClusterNameOption, recordedCluster } from './cluster-name.js';
import type { CliIO } from './io.js';

interface Flags extends FlowFlags, IncidentFlags, CloudWatchFlags {
  since?: string;
  until?: string;
  by?: string;
  output?: string;
  record?: boolean;
  db?: string;
  clusterName?: string;
}

export function flowsCommand(io: CliIO, setCode: (code: number) => void): Command {
  const flows = new Command('flows').description('read network policy flow logs: what the policies blocked, and which policy blocked it');
  const summary = new Command('summary')
    .description('denied attempts per day and week, by namespace, workload, deciding policy or pair')
    .argument('[logs...]', 'flow logs: agent log, CloudWatch export, VPC Flow Logs, or the generic CSV/JSON lines; plain or gzip (or --cloudwatch)')
    .option('--since <time>', 'only flows at or after this time: ISO 8601 time or date, or how long ago (30m, 24h, 7d)')
    .option('--until <time>', 'only flows before this time: ISO 8601 time or date, or how long ago (30m, 24h, 7d)')
    .option('--by <group>', 'namespace|workload|policy|pair', 'namespace')
    .option('-o, --output <format>', 'text|json|csv|md', 'text')
    .option('--record', 'add the figures to the history database')
    .option('--db <path>', `history database: written with --record; its recorded policy changes, if any, join the snapshots for incidents (default: ${defaultDbPath()})`);
  addClusterNameOption(summary, 'the cluster the flows are of: with --record, what the summary is recorded for (default: the kubeconfig context, else the input files); with --db, only its recorded policy changes are read');
  addFlowOptions(summary);
  addIncidentOptions(summary);
  addCloudWatchOptions(summary, false);
  summary.action(async (logs: string[], f: Flags) => {
    const output = parseOutput(f.output, ['text', 'json', 'csv', 'md'] as const);
    const by = parseOutput(f.by, ['namespace', 'workload', 'policy', 'pair'] as const) as GroupBy;
    const window = timeWindow(f);
    const source = flowSource(logs, f);
    // a database that cannot be written is said before the work, not after it
    const cluster = f.record || f.clusterName ? await recordedCluster(f, io) : undefined;
    const store = f.record ? new HistoryStore(f.db ?? defaultDbPath(io.env), { warn: (m) => io.err(`podwall: warning: ${m}\n`), ...(cluster ? { cluster } : {}) }) : undefined;
    try {
      const records = f.db && existsSync(f.db) ? recordedPolicyChanges(f.db, cluster) : [];
      const summarizer = (attributor: Attributor): FlowSummarizer => new FlowSummarizer(attributor, window);
      const stats = newStats();
      let result: FlowSummary & { incidents: IncidentFigures };
      if (!f.snapshot?.length && records.length === 0 && (source === 'cloudwatch' || !f.strict)) {
        // one state of the cluster (-f or live) and no recorded change: no incident can open, and a
        // flow's time does not change its attribution, so distinct connections are counted (on every
        // core) and each attributed once (docs/architecture.md, flow logs); no policy timeline is built
        incidentOptions(f);
        // files are counted on worker threads while this one loads the cluster, then judges the
        // connections they have met so far while they go on
        const judging = judgedAhead();
        const counting = source === 'files' ? aheadOnFiles(logs, io, async (paths, ahead) => [await tallyFiles(paths, stats, { ...summaryTallyOptions(f, window), onConnections: judging.connections, ...ahead }), paths] as const) : undefined;
        let s: FlowSummarizer;
        try {
          const attributor = new Attributor(await loadSnapshots(f, io));
          judging.start(attributor);
          s = summarizer(attributor);
        } catch (e) {
          counting?.cancel();
          throw e;
        }
        s.addTally(...(counting ? await counting.result() : await countedTally(source, logs, f, window, stats, io)));
        result = { ...s.result(), incidents: incidentFigures([]) };
      } else {
        // incidents (docs/incidents.md) need the flows in time order; the counters do not mind
        const { attributor, detector, snapshots, changePoints } = await incidentMachinery(f, io, records, window);
        const s = summarizer(attributor);
        if (changePoints === 0 && attributor.snapshotCount === 1 && (source === 'cloudwatch' || !f.strict)) {
          // the same over a dated snapshot alone
          s.addTally(...(await countedTally(source, logs, f, window, stats, io)));
        } else {
          // from CloudWatch: counted per flow and hour there, in spans cut where a snapshot comes into force
          const flows = source === 'cloudwatch' ? await cloudWatchFlows(f, window, stats, io, snapshotTimes(snapshots)) : readFlowsByTime(logs, f, stats, io);
          for await (const flow of flows) {
            s.add(flow);
            detector.add(flow);
          }
        }
        result = { ...s.result(), incidents: detector.result().figures };
      }
      if (store) {
        const id = store.recordFlows(result, source === 'cloudwatch' ? `cloudwatch:${f.cloudwatch}` : logs.join(','));
        store.recordIncidentFigures(id, result.incidents);
        io.err(`podwall: recorded flow summary ${id} in ${store.path}\n`);
      }
      io.out(formatFlowSummary(result, stats, by, output));
    } finally {
      store?.close();
    }
    setCode(0);
  });
  return flows.addCommand(summary);
}

/**
 * The flows of one state of the cluster as a tally: files counted on every core, or the tuples a
 * Logs Insights query counted (each then attributed once, src/flows/aggregated.ts).
 */
async function countedTally(source: 'files' | 'cloudwatch', logs: string[], f: Flags, window: TallyWindow, stats: ReadStats, io: CliIO): Promise<readonly [CountedTally, readonly string[]]> {
  if (source === 'cloudwatch') return [tallyOfTuples(await cloudWatchTuples(f, window, stats, io)), []];
  const paths = expandLogPaths(logs, (d) => io.err(`${formatDiagnostic(d)}\n`));
  return [await tallyFiles(paths, stats, summaryTallyOptions(f, window)), paths];
}

/**
 * Connections the counting workers send ahead (TallyOptions.onConnections), judged by the
 * attributor once there is one: held until then. Judging ahead only fills its caches.
 */
function judgedAhead(): { connections: (numbers: Int32Array) => void; start: (attributor: Attributor) => void } {
  let held: Int32Array[] | undefined = [];
  let attributor: Attributor | undefined;
  const judge = (n: Int32Array): void => {
    for (let i = 0; i < n.length; i += 3) attributor!.prime(n[i]!, n[i + 1]!, n[i + 2]!);
  };
  return {
    connections: (n) => (attributor ? judge(n) : held?.push(n)),
    start: (a) => {
      attributor = a;
      for (const n of held ?? []) judge(n);
      held = undefined;
    },
  };
}

function summaryTallyOptions(f: Flags, window: TallyWindow): TallyOptions {
  const format = flowFormat(f.format);
  // a connection's first occurrences are quoted as disagreement examples, at most SUMMARY_EXAMPLES in all
  return { ...(format ? { format } : {}), window, ordering: 'time', threads: flowThreads(), keep: SUMMARY_EXAMPLES };
}
