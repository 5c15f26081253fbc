import { Command } from 'commander';
import { diffClusters, type DiffResult } from '../analysis/diff.js';
import { describeRanges } from '../engine/ports.js';
import { buildCluster } from '../model/build.js';
import { addInputOptions, buildOptions, collect, parseOutput, readInputs, type InputFlags } from './inputs.js';
import { paint, type CliIO } from './io.js';
import { addDataplaneOptions, parseDataplane, type DataplaneFlags } from './dataplane.js';
import { chooseDataplane } from './matrix.js';
import { addProposalOptions, describeProposal, readProposal, type ProposalFlags, type ProposalSummary } from './proposal.js';

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
    .option('-o, --output <format>', 'text|json|md', 'text');
  addProposalOptions(cmd);
  addInputOptions(cmd);
  addDataplaneOptions(cmd);
  return cmd.action(async (f: Flags) => {
    const output = parseOutput(f.output, ['text', 'json', 'md'] as const);
    const dataplaneName = parseDataplane(f.dataplane);
    const options = buildOptions(f);
    const oldObjects = await readInputs(f, io);
    const proposal = readProposal(oldObjects, f.to!, f, io);
    const oldCluster = buildCluster(oldObjects, options);
    // the agent version from the current state (its aws-node DaemonSet), as matrix does
    const dataplane = chooseDataplane(dataplaneName, f, oldCluster, io);
    const result = diffClusters(oldCluster, buildCluster(proposal.objects, options), f.namespace, dataplane);
    io.out(output === 'json' ? JSON.stringify({ dataplane, ...result, proposal: proposal.summary }, null, 2) + '\n' : output === 'md' ? markdown(result, proposal.summary) : text(result, proposal.summary, io));
    // as kubectl diff: 1 when something changed
    setCode(result.changes.length ? 1 : 0);
  });
}

function text(r: DiffResult, proposal: ProposalSummary, io: CliIO): string {
  if (!r.changes.length) return `${describeProposal(proposal)}\nno connection changes\n`;
  const out = [describeProposal(proposal), `${r.newlyAllowed} newly allowed, ${r.newlyDenied} newly denied`, ''];
  for (const c of r.changes) {
    const mark = c.change === 'newly-allowed' ? paint(io, 'yellow', '+ allow') : paint(io, 'red', '- deny ');
    const on = c.ports[0]!;
    out.push(
      `${mark} ${c.from} -> ${c.to} ${describeRanges(c.ports)}${c.somePods ? ' (some pods)' : ''}${c.disagreement ? `  [eks≠spec on ${describeRanges(c.disagreement.ports)}: ${c.disagreement.mechanisms.join(', ')}]` : ''}`,
      `    before (${on.protocol} ${on.from}): ${c.before}`,
      `    after  (${on.protocol} ${on.from}): ${c.after}`,
    );
  }
  return out.join('\n') + '\n';
}

function markdown(r: DiffResult, proposal: ProposalSummary): string {
  const out = ['## podwall diff', '', describeProposal(proposal), '', `${r.newlyAllowed} newly allowed, ${r.newlyDenied} newly denied`, ''];
  if (!r.changes.length) return out.join('\n') + '\n';
  const marks = r.changes.some((c) => c.disagreement);
  out.push(`| change | from | to | ports | after |${marks ? ' eks≠spec |' : ''}`, `| --- | --- | --- | --- | --- |${marks ? ' --- |' : ''}`);
  for (const c of r.changes) out.push(`| ${c.change}${c.somePods ? ' (some pods)' : ''} | ${c.from} | ${c.to} | ${describeRanges(c.ports)} | ${c.after.replace(/\|/g, '\\|')} |${marks ? ` ${c.disagreement ? `${describeRanges(c.disagreement.ports)}: ${c.disagreement.mechanisms.join(', ')}` : ''} |` : ''}`);
  return out.join('\n') + '\n';
}
