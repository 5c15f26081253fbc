import { Command } from 'commander';
import { formatIncidents } from '../report/incidents/index.js';
import { newStats } from '../sources/flow-files.js';
import { defaultDbPath } from '../store/history.js';
import { addCloudWatchOptions, cloudWatchFlows, flowSource, snapshotTimes, type CloudWatchFlags } from './cloudwatch.js';
import { addFlowOptions } from './flow-inputs.js';
import { addIncidentOptions, incidentMachinery, readFlowsByTime, recordedPolicyChanges, timeWindow, type IncidentFlags } from './incident-inputs.js';
import { parseOutput } from './inputs.js';
import { UsageError, type CliIO } from './io.js';

interface Flags extends IncidentFlags, CloudWatchFlags {
  since?: string;
  until?: string;
  output?: string;
  db?: string;
  clusterName?: string;
}

export function incidentsCommand(io: CliIO, setCode: (code: number) => void): Command {
  const cmd = new Command('incidents')
    .description('legitimate traffic that a policy change blocked: start, end, the responsible change, and the MTTR (docs/incidents.md)')
    .argument('[logs...]', 'flow logs, as for flows summary (merged in time order), or --cloudwatch')
    .option('--since <time>', 'only incidents that started at or after this time: ISO 8601 time or date, or how long ago (24h, 7d) (earlier flows still count as history)')
    .option('--until <time>', 'read flows before this time only: ISO 8601 time or date, or how long ago (24h, 7d)')
    .option('-o, --output <format>', 'text|json|csv|md', 'text')
    .option('--db <path>', `also use the policy changes podwall watch --record wrote into this history database (e.g. ${defaultDbPath()})`)
    .option('--cluster-name <name>', 'with --db: only the policy changes recorded for this cluster (the name watch --record wrote: its --cluster-name or kubeconfig context), and those recorded without one');
  addFlowOptions(cmd);
  addIncidentOptions(cmd);
  addCloudWatchOptions(cmd, false);
  return cmd.action(async (logs: string[], f: Flags) => {
    const output = parseOutput(f.output, ['text', 'json', 'csv', 'md'] as const);
    const window = timeWindow(f);
    const source = flowSource(logs, f);
    if (f.clusterName !== undefined && f.db === undefined) throw new UsageError('--cluster-name picks the recorded policy changes of one cluster: give --db too');
    const { detector, snapshots } = await incidentMachinery(f, io, recordedPolicyChanges(f.db, f.clusterName), window);
    const stats = newStats();
    const flows = source === 'cloudwatch' ? await cloudWatchFlows(f, window, stats, io, snapshotTimes(snapshots)) : readFlowsByTime(logs, f, stats, io);
    for await (const flow of flows) detector.add(flow);
    io.out(formatIncidents(detector.result(), stats, output));
    setCode(0);
  });
}
