import { Command } from 'commander';
import { Advisor } from '../advise/advise.js';
import { buildCluster } from '../model/build.js';
import { newStats } from '../sources/flow-files.js';
import { addCloudWatchOptions, flowSource, windowOnlyWithCloudWatch, type CloudWatchFlags } from './cloudwatch.js';
import { countAhead } from './counted-flows.js';
import { addFlowOptions, type FlowFlags } from './flow-inputs.js';
import { buildOptions, collect, parseOutput, readInputs } from './inputs.js';
import { UsageError, type CliIO } from './io.js';

interface Flags extends FlowFlags, CloudWatchFlags {
  namespace?: string[];
  output?: string;
}

export function adviseCommand(io: CliIO, setCode: (code: number) => void): Command {
  const cmd = new Command('advise')
    .description('least-privilege NetworkPolicies from observed traffic, checked by replay before they are printed')
    .argument('[logs...]', 'flow logs (any format podwall reads), or --cloudwatch')
    .option('-n, --namespace <ns>', 'advise for this namespace; repeatable (default: every namespace seen, but kube-system)', collect)
    .option('-o, --output <format>', 'yaml', 'yaml');
  addFlowOptions(cmd);
  addCloudWatchOptions(cmd, true);
  return cmd.action(async (logs: string[], f: Flags) => {
    parseOutput(f.output, ['yaml'] as const);
    const source = flowSource(logs, f);
    windowOnlyWithCloudWatch(f);
    const options = buildOptions(f);
    const stats = newStats();
    // the logs are counted on worker threads while this one loads the cluster
    const counting = countAhead(source, logs, f, stats, io);
    let objects: Awaited<ReturnType<typeof readInputs>>;
    let advisor: Advisor;
    try {
      objects = await readInputs(f, io);
      const cluster = buildCluster(objects, options);
      for (const ns of f.namespace ?? []) if (!cluster.namespaces.has(ns)) throw new UsageError(`-n ${ns}: no such namespace in the input`);
      advisor = new Advisor(cluster, f.namespace);
    } catch (e) {
      counting.cancel();
      throw e;
    }
    for await (const c of await counting.result()) advisor.addCounted(c);
    const advice = advisor.result(objects, (objs) => buildCluster(objs, options));
    const header = [
      `# podwall advise: ${advice.policies} NetworkPolicies from ${advice.flows} observed accepted flows (${stats.lines} lines, ${stats.malformed} malformed)`,
      advice.stillBlocked.length
        ? `# replay: ${advice.stillBlocked.length} observed connection(s) stay blocked by policies outside this advice (see stderr)`
        : '# replay: these policies allow every observed accepted flow in scope',
    ].join('\n');
    for (const r of advice.renamed) io.err(`podwall: ${r}\n`);
    for (const b of advice.stillBlocked) io.err(`podwall: still blocked: ${b}\n`);
    io.out(`${header}\n---\n${advice.yaml}`);
    setCode(0);
  });
}
