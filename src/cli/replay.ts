import { Command } from 'commander';
import { Replayer, type ReplayResult } from '../analysis/replay.js';
import { describeRanges } from '../engine/ports.js';
import { buildCluster } from '../model/build.js';
import { newStats, type ReadStats } from '../sources/flow-files.js';
import { addCloudWatchOptions, flowSource, windowOnlyWithCloudWatch, type CloudWatchFlags } from './cloudwatch.js';
import { countAhead } from './counted-flows.js';
import { addFlowOptions, type FlowFlags } from './flow-inputs.js';
import { buildOptions, collect, parseOutput, readInputs } from './inputs.js';
import { paint, type CliIO } from './io.js';
import { addProposalOptions, describeProposal, readProposal, type ProposalFlags, type ProposalSummary } from './proposal.js';

interface Flags extends FlowFlags, ProposalFlags, CloudWatchFlags {
  proposed?: string[];
  output?: string;
}

export function replayCommand(io: CliIO, setCode: (code: number) => void): Command {
  const cmd = new Command('replay')
    .description('would the proposed policies break the traffic we actually see? (exit 1 if so)')
    .argument('[logs...]', 'flow logs (any format podwall reads), or --cloudwatch')
    .requiredOption('--proposed <path>', 'the changed manifests, applied over the current state as kubectl apply does (--replace-all: the complete policy set); repeatable', collect)
    .option('-o, --output <format>', 'text|json', 'text');
  addProposalOptions(cmd);
  addFlowOptions(cmd);
  addCloudWatchOptions(cmd, true);
  return cmd.action(async (logs: string[], f: Flags) => {
    const output = parseOutput(f.output, ['text', 'json'] as const);
    const source = flowSource(logs, f);
    windowOnlyWithCloudWatch(f);
    const stats = newStats();
    // the logs are counted on worker threads while this one loads the clusters
    const counting = countAhead(source, logs, f, stats, io);
    let replayer: Replayer;
    let proposal: ReturnType<typeof readProposal>;
    try {
      const inputs = await readInputs(f, io);
      proposal = readProposal(inputs, f.proposed!, f, io);
      const proposed = buildCluster(proposal.objects, buildOptions(f));
      replayer = new Replayer(proposed, buildCluster(inputs, buildOptions(f)));
    } catch (e) {
      counting.cancel();
      throw e;
    }
    for await (const c of await counting.result()) replayer.addCounted(c);
    const result = replayer.result();
    io.out(output === 'json' ? JSON.stringify({ ...result, input: stats, proposal: proposal.summary }, null, 2) + '\n' : text(result, stats, proposal.summary, io));
    setCode(result.wouldBlock.length ? 1 : 0);
  });
}

function text(r: ReplayResult, stats: ReadStats, proposal: ProposalSummary, io: CliIO): string {
  const out = [describeProposal(proposal), `observed allowed flows: ${r.observedAllowed} (lines ${stats.lines}, malformed ${stats.malformed})`];
  if (r.wouldBlock.length) {
    out.push(paint(io, 'red', `the proposal would block ${r.wouldBlock.length} observed connection${r.wouldBlock.length > 1 ? 's' : ''}:`));
    for (const b of r.wouldBlock) out.push(`  ${b.from} -> ${b.to} ${b.port}/${b.protocol} (${b.count} flows, e.g. ${b.example})`, `    ${b.reason}`);
  } else {
    out.push(paint(io, 'green', 'the proposal blocks no observed allowed flow'));
  }
  out.push('', `allowed by the proposal but never observed: ${r.unusedAllowed.length}`);
  for (const u of r.unusedAllowed.slice(0, 50)) out.push(`  ${u.from} -> ${u.to} ${describeRanges(u.ports)}`);
  if (r.unusedAllowed.length > 50) out.push(`  ... and ${r.unusedAllowed.length - 50} more (-o json lists all)`);
  return out.join('\n') + '\n';
}
