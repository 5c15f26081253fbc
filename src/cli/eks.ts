import { Command } from 'commander';
import { EksDataplane } from '../eks/decide.js';
import { eksMapsText, writeEksMapsJson } from '../report/eks-maps.js';
import { addEksOptions, describeChoice, eksChoice, type DataplaneFlags } from './dataplane.js';
import { addInputOptions, loadCluster, parseOutput, printWarnings, type InputFlags } from './inputs.js';
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
    const dp = new EksDataplane(cluster, { version: choice.version, compute: choice.compute });
    printWarnings(cluster, io);
    if (output === 'json') {
      io.err(`podwall: modelling ${describeChoice(choice)}\n`);
      for (const n of dp.controller.notEnforced) io.err(`podwall: not enforced on EKS: ${n.policy}: ${n.why}\n`);
      // streamed in pieces of about a megabyte: the output of a large cluster is hundreds of megabytes
      let buffer = '';
      writeEksMapsJson(dp, cluster.settings.enforcingMode, (chunk) => {
        buffer += chunk;
        if (buffer.length > 1 << 20) {
          io.out(buffer);
          buffer = '';
        }
      });
      io.out(buffer);
    } else {
      io.out(eksMapsText(dp, `Modelling ${describeChoice(choice)}; enforcing mode ${cluster.settings.enforcingMode}`));
    }
    setCode(0);
  });
  eks.addCommand(maps);
  return eks;
}
