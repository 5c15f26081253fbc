import { Command } from 'commander';
import { Engine } from '../engine/engine.js';
import { EndpointResolver } from '../model/refs.js';
import { eksDecider, specDecider } from '../analysis/deciders.js';
import { judge } from '../analysis/judgement.js';
import { Dataplanes } from '../eks/compare.js';
import type { EksContext } from '../report/dataplanes.js';
import { judgementJson, renderJudgement } from '../report/judgement.js';
import { addInputOptions, loadCluster, parseOutput, parsePortFlag, parseProtocolFlag, printWarnings, type InputFlags } from './inputs.js';
import { addDataplaneOptions, eksChoice, parseDataplane, type DataplaneFlags } from './dataplane.js';
import { textStyle, UsageError, type CliIO } from './io.js';

interface Flags extends InputFlags, DataplaneFlags {
  from?: string;
  to?: string;
  port?: string;
  protocol?: string;
  output?: string;
  namespace?: string;
}

export function explainCommand(io: CliIO, setCode: (code: number) => void): Command {
  const cmd = new Command('explain')
    .description('may this connection happen? the verdict, with the tier, policy and rule that decide each side')
    .requiredOption('--from <ref>', 'source: namespace/name (pod or workload: all its pods), an IP address, or a domain name')
    .requiredOption('--to <ref>', 'destination: namespace/name, namespace/svc/name, an IP address (pod, ClusterIP, node, outside), a Service DNS name, a domain name, or name@address')
    .requiredOption('--port <port>', 'destination port: a number, a named port of the destination pods, or a Service port (number or name)')
    .option('--protocol <protocol>', 'TCP, UDP or SCTP', 'TCP')
    .option('-n, --namespace <ns>', 'the namespace of bare references (`svc/api`, `api`)')
    .option('-o, --output <format>', 'text or json', 'text');
  addInputOptions(cmd);
  addDataplaneOptions(cmd);
  return cmd.action(async (flags: Flags) => {
    const output = parseOutput(flags.output, ['text', 'json'] as const);
    const dataplane = parseDataplane(flags.dataplane);
    const protocol = parseProtocolFlag(flags.protocol);
    const cluster = await loadCluster(flags, io);
    const resolver = new EndpointResolver(cluster);
    const from = resolver.reference(flags.from!, flags.namespace);
    if (!from.ok) throw new UsageError(`--from: ${from.error}`);
    const to = resolver.reference(flags.to!, flags.namespace);
    if (!to.ok) throw new UsageError(`--to: ${to.error}`);
    const port = /^\d+$/.test(flags.port!) ? parsePortFlag(flags.port)! : flags.port!;
    const engine = new Engine(cluster);
    let eks: EksContext | undefined;
    let decider = specDecider(engine);
    if (dataplane === 'eks') {
      const choice = eksChoice(flags, cluster);
      eks = { agent: choice.version, agentSource: choice.versionSource, controller: choice.controller, compute: choice.compute, computeSource: choice.computeSource };
      decider = eksDecider(new Dataplanes(cluster, { version: choice.version, compute: choice.compute, controller: choice.controller }));
    }
    const r = judge(decider, from.ref, to.ref, port, protocol);
    if (!r.ok) throw new UsageError(r.error);
    printWarnings(cluster, io);
    if (output === 'json') {
      io.out(JSON.stringify({ dataplane, ...judgementJson(r.judgement, eks), enforcingMode: cluster.settings.enforcingMode }, null, 2) + '\n');
    } else {
      io.out(renderJudgement(r.judgement, textStyle(io), '', eks));
    }
    setCode(0);
  });
}
