import { Command } from 'commander';
import { streamDiff } from '../analysis/diff.js';
import { DIFF_FORMATS, diffChunks } from '../report/diff.js';
import { buildCluster } from '../model/build.js';
import { addInputOptions, buildOptions, collect, parseOutput, readInputs, type InputFlags } from './inputs.js';
import { paint, writeChunks, type CliIO } from './io.js';
import { addDataplaneOptions, parseDataplane, type DataplaneFlags } from './dataplane.js';
import { chooseDataplane } from './matrix.js';
import { addProposalOptions, describeProposal, readProposal, type ProposalFlags } from './proposal.js';

interface Flags extends InputFlags, ProposalFlags, DataplaneFlags {
  to?: string[];
  namespace?: string[];
  output?: string;
}

export function diffCommand(io: CliIO, setCode: (code: number) => void): Command {
  const cmd = new Command('diff')
    .description('what a change of policies opens and closes: connections newly allowed and newly denied, with both explanations')
    .requiredOption('--to <path>', 'the changed manifests, applied over the current state as kubectl apply does (--replace-all: the complete policy set); repeatable', collect)
    .option('-n, --namespace <ns>', 'only connections with an end in this namespace; repeatable', collect)
    .option('-o, --output <format>', DIFF_FORMATS.join('|'), 'text');
  addProposalOptions(cmd);
  addInputOptions(cmd);
  addDataplaneOptions(cmd);
  return cmd.action(async (f: Flags) => {
    const output = parseOutput(f.output, DIFF_FORMATS);
    const dataplaneName = parseDataplane(f.dataplane);
    const options = buildOptions(f);
    const oldObjects = await readInputs(f, io);
    const proposal = readProposal(oldObjects, f.to!, f, io);
    const oldCluster = buildCluster(oldObjects, options);
    // the agent version from the current state (its aws-node DaemonSet), as matrix does
    const dataplane = chooseDataplane(dataplaneName, f, oldCluster, io);
    // progress per source of each walk, unless the changes themselves go to the terminal
    const progress = io.progress && !process.stdout.isTTY ? io.progress : undefined;
    progress?.step('diff: preparing');
    const diff = streamDiff(oldCluster, buildCluster(proposal.objects, options), f.namespace, dataplane, progress ? { walk: (name, sources) => progress.step(`diff: ${name}`, sources), source: (done) => progress.update(done) } : undefined);
    // the changes are written as the walk finds them, never held whole
    const summary = diff.summary();
    await writeChunks(io, diffChunks(diff, output, { proposalLine: describeProposal(proposal.summary), proposal: proposal.summary, dataplane, paint: (color, text) => paint(io, color, text) }));
    // as kubectl diff: 1 when something changed
    setCode(summary.newlyAllowed + summary.newlyDenied ? 1 : 0);
  });
}
