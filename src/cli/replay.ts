import { Command } from 'commander';
import { Replayer, type BrokenFlow, type ReplayResult, type UnusedAllowed } from '../analysis/replay.js';
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
    disagreements(result, io);
    // unusedAllowed grows with the square of the cluster: streamed, never one string nor one array
    const unused = replayer.unusedAllowed();
    await writeChunks(io, output === 'json' ? json(result, unused, stats, proposal.summary) : text(result, unused, stats, proposal.summary, io));
    setCode(result.wouldBlock.length ? 1 : 0);
  });
}

/** How many unused pairs text lists; -o json lists all. */
const TEXT_UNUSED = 50;
/** How many connections text lists of those set apart and of those newly allowed; -o json lists all. */
const TEXT_LISTED = 20;
/** The size of a piece of JSON written at once. */
const CHUNK = 1 << 16;

function* text(r: ReplayResult, unused: Iterable<UnusedAllowed>, stats: ReadStats, proposal: ProposalSummary, io: CliIO): Generator<string> {
  const out = [describeProposal(proposal), `observed allowed flows: ${r.observedAllowed} (lines ${stats.lines}, malformed ${stats.malformed})`];
  if (r.wouldBlock.length) {
    out.push(paint(io, 'red', `the proposal would block ${plural(r.wouldBlock.length, 'observed connection')}:`));
    out.push(...listed(r.wouldBlock, Infinity));
  } else {
    out.push(paint(io, 'green', 'the proposal blocks no observed allowed flow'));
  }
  // sections only when they hold something: without them the output is the one before they existed
  if (r.alreadyDenied.length) {
    out.push(paint(io, 'yellow', `the current policies deny ${plural(r.alreadyDenied.length, 'observed accepted connection')} already (${plural(flows(r.alreadyDenied), 'flow')}): log and cluster disagree, the proposal is not the cause (the gate does not count them):`));
    out.push(...listed(r.alreadyDenied, TEXT_LISTED));
  }
  if (r.wouldAllow.length) {
    out.push(paint(io, 'yellow', `the proposal would allow ${plural(r.wouldAllow.length, 'observed denied connection')} (${flows(r.wouldAllow)} of ${r.observedDenied} denied flows):`));
    out.push(...listed(r.wouldAllow, TEXT_LISTED));
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

function plural(n: number, what: string): string {
  return `${n} ${what}${n > 1 ? 's' : ''}`;
}

function flows(l: readonly BrokenFlow[]): number {
  return l.reduce((sum, b) => sum + b.count, 0);
}

/** A list's first `limit` connections, each with its reason. */
function listed(l: readonly BrokenFlow[], limit: number): string[] {
  const out = l.slice(0, limit).flatMap((b) => [`  ${b.from} -> ${b.to} ${b.port}/${b.protocol} (${b.count} flows, e.g. ${b.example})`, `    ${b.reason}`]);
  if (l.length > limit) out.push(`  ... and ${l.length - limit} more (-o json lists all)`);
  return out;
}

/** Once on stderr, whatever the output: the observed flows whose verdict the current policies and the log disagree on. */
function disagreements(r: ReplayResult, io: CliIO): void {
  if (r.alreadyDenied.length) {
    io.err(`podwall: replay: the current policies deny ${plural(flows(r.alreadyDenied), 'observed accepted flow')} (${plural(r.alreadyDenied.length, 'connection')}) already: log and cluster disagree, the proposal is not the cause; listed apart (alreadyDenied), the gate does not count them\n`);
  }
  if (r.alreadyAllowed) {
    io.err(`podwall: replay: the current policies allow ${plural(r.alreadyAllowed, 'observed denied flow')} already: log and cluster disagree (flows summary -f CURRENT explains them); left out of what the proposal would allow\n`);
  }
}

/** JSON.stringify({ ...result, unusedAllowed, input, proposal }, null, 2), written as the unused pairs come. */
function* json(r: ReplayResult, unused: Iterable<UnusedAllowed>, stats: ReadStats, proposal: ProposalSummary): Generator<string> {
  const field = (key: string, v: unknown): string => `  ${JSON.stringify(key)}: ${JSON.stringify(v, null, 2).replace(/\n/g, '\n  ')}`;
  // the lists bounded by the log before the one bounded by the cluster's square, so a reader meets them first
  const lists = (['observedAllowed', 'wouldBlock', 'alreadyDenied', 'observedDenied', 'wouldAllow', 'alreadyAllowed'] as const).map((k) => field(k, r[k]));
  yield `{\n${lists.join(',\n')},\n`;
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
