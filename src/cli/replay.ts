import { Command } from 'commander';
import { Replayer, type ReplayResult, type UnusedAllowed } from '../analysis/replay.js';
import { describeRanges } from '../engine/ports.js';
import { buildCluster } from '../model/build.js';
import { newStats, type ReadStats } from '../sources/flow-files.js';
import { addCloudWatchOptions, flowSource, windowOnlyWithCloudWatch, type CloudWatchFlags } from './cloudwatch.js';
import { countAhead } from './counted-flows.js';
import { addFlowOptions, type FlowFlags } from './flow-inputs.js';
import { buildOptions, collect, parseOutput, readInputs } from './inputs.js';
import { paint, writeChunks, type CliIO } from './io.js';
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
    // unusedAllowed grows with the square of the cluster: streamed, never one string nor one array
    const unused = replayer.unusedAllowed();
    await writeChunks(io, output === 'json' ? json(result, unused, stats, proposal.summary) : text(result, unused, stats, proposal.summary, io));
    setCode(result.wouldBlock.length ? 1 : 0);
  });
}

/** How many unused pairs text lists; -o json lists all. */
const TEXT_UNUSED = 50;
/** The size of a piece of JSON written at once. */
const CHUNK = 1 << 16;

function* text(r: ReplayResult, unused: Iterable<UnusedAllowed>, stats: ReadStats, proposal: ProposalSummary, io: CliIO): Generator<string> {
  const out = [describeProposal(proposal), `observed allowed flows: ${r.observedAllowed} (lines ${stats.lines}, malformed ${stats.malformed})`];
  if (r.wouldBlock.length) {
    out.push(paint(io, 'red', `the proposal would block ${r.wouldBlock.length} observed connection${r.wouldBlock.length > 1 ? 's' : ''}:`));
    for (const b of r.wouldBlock) out.push(`  ${b.from} -> ${b.to} ${b.port}/${b.protocol} (${b.count} flows, e.g. ${b.example})`, `    ${b.reason}`);
  } else {
    out.push(paint(io, 'green', 'the proposal blocks no observed allowed flow'));
  }
  yield out.join('\n') + '\n';
  // the count heads the list, so the first few are kept while all are counted
  const shown: string[] = [];
  let count = 0;
  for (const u of unused) if (count++ < TEXT_UNUSED) shown.push(`  ${u.from} -> ${u.to} ${describeRanges(u.ports)}`);
  const tail = ['', `allowed by the proposal but never observed: ${count}`, ...shown];
  if (count > TEXT_UNUSED) tail.push(`  ... and ${count - TEXT_UNUSED} more (-o json lists all)`);
  yield tail.join('\n') + '\n';
}

/** JSON.stringify({ ...result, unusedAllowed, input, proposal }, null, 2), written as the unused pairs come. */
function* json(r: ReplayResult, unused: Iterable<UnusedAllowed>, stats: ReadStats, proposal: ProposalSummary): Generator<string> {
  const field = (key: string, v: unknown): string => `  ${JSON.stringify(key)}: ${JSON.stringify(v, null, 2).replace(/\n/g, '\n  ')}`;
  yield `{\n${field('observedAllowed', r.observedAllowed)},\n${field('wouldBlock', r.wouldBlock)},\n`;
  let piece = '';
  let first = true;
  for (const u of unused) {
    piece += `${first ? '  "unusedAllowed": [\n' : ',\n'}    ${JSON.stringify(u, null, 2).replace(/\n/g, '\n    ')}`;
    first = false;
    if (piece.length >= CHUNK) {
      yield piece;
      piece = '';
    }
  }
  yield `${first ? '  "unusedAllowed": []' : `${piece}\n  ]`},\n${field('input', stats)},\n${field('proposal', proposal)}\n}\n`;
}
