import { Command } from 'commander';
import { Engine } from '../engine/engine.js';
import { EndpointResolver } from '../model/refs.js';
import { renderVerdict } from '../report/explain.js';
import { addInputOptions, loadCluster, parseOutput, parsePortFlag, parseProtocolFlag, printWarnings, type InputFlags } from './inputs.js';
import { textStyle, UsageError, type CliIO } from './io.js';
import { dnsWarnings } from '../analysis/dns.js';
import { Dataplanes } from '../eks/compare.js';
import { comparisonJson, renderComparison } from '../report/dataplanes.js';
import { addDataplaneOptions, eksChoice, parseDataplane, type DataplaneFlags } from './dataplane.js';

interface Flags extends InputFlags, DataplaneFlags {
  from?: string;
  to?: string;
  port?: string;
  protocol?: string;
  output?: string;
}

export function explainCommand(io: CliIO, setCode: (code: number) => void): Command {
  const cmd = new Command('explain')
    .description('may this connection happen? the verdict, with the tier, policy and rule that decide each side')
    .requiredOption('--from <ref>', 'source: namespace/name (pod or workload), an IP address, or a domain name')
    .requiredOption('--to <ref>', 'destination: namespace/name, an IP address, a domain name, or name@address')
    .requiredOption('--port <port>', 'destination port: a number, or a named port of the destination pod')
    .option('--protocol <protocol>', 'TCP, UDP or SCTP', 'TCP')
    .option('-o, --output <format>', 'text or json', 'text');
  addInputOptions(cmd);
  addDataplaneOptions(cmd);
  return cmd.action(async (flags: Flags) => {
    const output = parseOutput(flags.output, ['text', 'json'] as const);
    const dataplane = parseDataplane(flags.dataplane);
    const protocol = parseProtocolFlag(flags.protocol);
    const cluster = await loadCluster(flags, io);
    const resolver = new EndpointResolver(cluster);
    const from = resolver.resolve(flags.from!);
    if (!from.ok) throw new UsageError(`--from: ${from.error}`);
    const to = resolver.resolve(flags.to!);
    if (!to.ok) throw new UsageError(`--to: ${to.error}`);
    let port = /^\d+$/.test(flags.port!) ? parsePortFlag(flags.port) : undefined;
    if (port === undefined) {
      const named = to.endpoint.kind === 'pod' ? to.endpoint.pod.ports.find((p) => p.name === flags.port && p.protocol === protocol) : undefined;
      if (!named) throw new UsageError(`--port ${JSON.stringify(flags.port)}: not a number, nor a ${protocol} port name of ${flags.to}`);
      port = named.port;
    }
    const conn = { from: from.endpoint, to: to.endpoint, port, protocol };
    if (dataplane === 'eks') {
      const choice = eksChoice(flags, cluster);
      const planes = new Dataplanes(cluster, { version: choice.version, compute: choice.compute });
      const c = planes.compare(conn);
      c.kubernetes.warnings.push(...dnsWarnings(planes.engine, from.endpoint, to.endpoint, c.kubernetes.allowed));
      printWarnings(cluster, io);
      const ctx = { agent: choice.version, agentSource: choice.versionSource, compute: choice.compute, computeSource: choice.computeSource };
      if (output === 'json') io.out(JSON.stringify({ ...comparisonJson(c, ctx), enforcingMode: cluster.settings.enforcingMode }, null, 2) + '\n');
      else io.out(renderComparison(c, ctx, textStyle(io)));
      setCode(0);
      return;
    }
    const engine = new Engine(cluster);
    const verdict = engine.decide(conn);
    verdict.warnings.push(...dnsWarnings(engine, from.endpoint, to.endpoint, verdict.allowed));
    printWarnings(cluster, io);
    if (output === 'json') {
      io.out(JSON.stringify({ dataplane: 'kubernetes', ...verdict, enforcingMode: cluster.settings.enforcingMode }, null, 2) + '\n');
    } else {
      io.out(renderVerdict(verdict, textStyle(io)));
    }
    setCode(0);
  });
}
