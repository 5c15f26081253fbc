import { Command } from 'commander';
import { EksDataplane } from '../eks/decide.js';
import { eksMapsJsonChunks, eksMapsTextChunks } from '../report/eks-maps.js';
import { compareEndpoints } from '../eks/drift.js';
import { eksDriftJson, eksDriftText } from '../report/eks-drift.js';
import { readPolicyEndpoints } from '../sources/policy-endpoints.js';
import { UsageError, writeChunks } from './io.js';
import { addEksOptions, describeChoice, eksChoice, type DataplaneFlags } from './dataplane.js';
import { addInputOptions, liveReader, loadCluster, parseOutput, printWarnings, wantsLive, type InputFlags } from './inputs.js';
import type { CliIO } from './io.js';

interface Flags extends InputFlags, DataplaneFlags {
  output?: string;
}

/** `podwall eks maps`: what the EKS agent would program, per pod identifier and direction. */
export function eksCommand(io: CliIO, setCode: (code: number) => void): Command {
  const eks = new Command('eks').description('the EKS data plane as podwall models it');
  const maps = new Command('maps')
    .description('per pod identifier and direction: the LPM entries, cluster-policy entries and pod states the EKS agent would program, the policies and rules behind them, and what it would drop and why')
    .option('-o, --output <format>', 'text or json (podwall.eks-maps/v1)', 'text');
  addInputOptions(maps);
  addEksOptions(maps);
  maps.action(async (flags: Flags) => {
    const output = parseOutput(flags.output, ['text', 'json'] as const);
    const cluster = await loadCluster(flags, io);
    const choice = eksChoice(flags, cluster);
    const dp = new EksDataplane(cluster, { version: choice.version, compute: choice.compute, controller: choice.controller });
    printWarnings(cluster, io);
    if (output === 'json') {
      io.err(`podwall: modelling ${describeChoice(choice)}\n`);
      for (const n of dp.controller.notEnforced) io.err(`podwall: not enforced on EKS: ${n.policy}: ${n.why}\n`);
    }
    // streamed: the output of a large cluster is hundreds of megabytes, and a slow reader holds back the walk
    const header = `Modelling ${describeChoice(choice)}; enforcing mode ${cluster.settings.enforcingMode}`;
    await writeChunks(io, megabytes(output === 'json' ? eksMapsJsonChunks(dp, cluster.settings.enforcingMode) : eksMapsTextChunks(dp, header)));
    setCode(0);
  });
  eks.addCommand(maps);
  eks.addCommand(driftCommand(io, setCode));
  return eks;
}

/** Pieces joined into about a megabyte each: one write per identifier would be many small writes. */
function* megabytes(chunks: Iterable<string>): Generator<string> {
  let buffer = '';
  for (const c of chunks) {
    buffer += c;
    if (buffer.length > 1 << 20) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer) yield buffer;
}

/**
 * `podwall eks drift`: the PolicyEndpoints and ClusterPolicyEndpoints the controller wrote in a live cluster
 * against the ones podwall expects from its policies and pods. Exit 1 when they differ, 0 when not, 2 on errors.
 */
function driftCommand(io: CliIO, setCode: (code: number) => void): Command {
  const drift = new Command('drift')
    .description('compare the PolicyEndpoints and ClusterPolicyEndpoints the EKS controller wrote in a live cluster with the ones podwall expects: policies not reconciled, endpoints whose policy is gone, stale or missing pod addresses, missing or extra entries and ports (exit 1 when there is drift)')
    .option('-o, --output <format>', 'text or json (podwall.eks-drift/v1)', 'text');
  addInputOptions(drift);
  addEksOptions(drift);
  drift.action(async (flags: Flags) => {
    const output = parseOutput(flags.output, ['text', 'json'] as const);
    if (!wantsLive(flags, io)) throw new UsageError('eks drift compares a live cluster: give --kubeconfig and/or --context (files alone hold no PolicyEndpoints)');
    const cluster = await loadCluster(flags, io);
    const reader = await liveReader(flags);
    const live = (await readPolicyEndpoints(reader))!;
    const choice = eksChoice(flags, cluster);
    const dp = new EksDataplane(cluster, { version: choice.version, compute: choice.compute, controller: choice.controller });
    const report = compareEndpoints(cluster, dp.controller, dp.addressing, live);
    printWarnings(cluster, io);
    if (output === 'json') {
      io.err(`podwall: modelling ${describeChoice(choice)}\n`);
      io.out(JSON.stringify(eksDriftJson(report, { agent: choice.version, compute: choice.compute, cluster: reader.label }), null, 2) + '\n');
    } else {
      io.out(eksDriftText(report, `${reader.label}: modelling ${describeChoice(choice)}`));
    }
    setCode(report.items.length > 0 ? 1 : 0);
  });
  return drift;
}
