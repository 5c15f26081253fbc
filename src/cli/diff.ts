import { Command } from 'commander';
import { diffClusters, type DiffResult } from '../analysis/diff.js';
import { withPolicies } from '../analysis/overlay.js';
import { describeRanges } from '../engine/ports.js';
import { buildCluster } from '../model/build.js';
import { addInputOptions, buildOptions, collect, parseOutput, readInputs, readObjects, type InputFlags } from './inputs.js';
import { paint, type CliIO } from './io.js';

interface Flags extends InputFlags {
  to?: string[];
  namespace?: string[];
  output?: string;
}

export function diffCommand(io: CliIO, setCode: (code: number) => void): Command {
  const cmd = new Command('diff')
    .description('what a change of policies opens and closes: connections newly allowed and newly denied, with both explanations')
    .requiredOption('--to <path>', 'the new state: a complete policy set (workloads come from -f when it has none); repeatable', collect)
    .option('-n, --namespace <ns>', 'only connections with an end in this namespace; repeatable', collect)
    .option('-o, --output <format>', 'text|json|md', 'text');
  addInputOptions(cmd);
  return cmd.action(async (f: Flags) => {
    const output = parseOutput(f.output, ['text', 'json', 'md'] as const);
    const options = buildOptions(f);
    const oldObjects = await readInputs(f, io);
    const newObjects = withPolicies(oldObjects, readObjects(f.to!, io));
    const result = diffClusters(buildCluster(oldObjects, options), buildCluster(newObjects, options), f.namespace);
    io.out(output === 'json' ? JSON.stringify(result, null, 2) + '\n' : output === 'md' ? markdown(result) : text(result, io));
    // as kubectl diff: 1 when something changed
    setCode(result.changes.length ? 1 : 0);
  });
}

function text(r: DiffResult, io: CliIO): string {
  if (!r.changes.length) return 'no connection changes\n';
  const out = [`${r.newlyAllowed} newly allowed, ${r.newlyDenied} newly denied`, ''];
  for (const c of r.changes) {
    const mark = c.change === 'newly-allowed' ? paint(io, 'yellow', '+ allow') : paint(io, 'red', '- deny ');
    const on = c.ports[0]!;
    out.push(
      `${mark} ${c.from} -> ${c.to} ${describeRanges(c.ports)}${c.somePods ? ' (some pods)' : ''}`,
      `    before (${on.protocol} ${on.from}): ${c.before}`,
      `    after  (${on.protocol} ${on.from}): ${c.after}`,
    );
  }
  return out.join('\n') + '\n';
}

function markdown(r: DiffResult): string {
  const out = ['## podwall diff', '', `${r.newlyAllowed} newly allowed, ${r.newlyDenied} newly denied`, ''];
  if (!r.changes.length) return out.join('\n') + '\n';
  out.push('| change | from | to | ports | after |', '| --- | --- | --- | --- | --- |');
  for (const c of r.changes) out.push(`| ${c.change}${c.somePods ? ' (some pods)' : ''} | ${c.from} | ${c.to} | ${describeRanges(c.ports)} | ${c.after.replace(/\|/g, '\\|')} |`);
  return out.join('\n') + '\n';
}
