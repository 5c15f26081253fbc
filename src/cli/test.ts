import { Command } from 'commander';
import { parseAssertionFile, runAssertions, type AssertionResult } from '../analysis/assertions.js';
import { outcomeText } from '../analysis/outcome-text.js';
import { formatDiagnostic, type Diagnostic } from '../k8s/errors.js';
import { parseDocuments } from '../k8s/yaml.js';
import { expandPaths, readText } from '../sources/files.js';
import type { TextStyle } from '../report/explain.js';
import { judgementJson, renderJudgement } from '../report/judgement.js';
import { addInputOptions, buildOptions, parseOutput, readInputs, readObjects, type InputFlags } from './inputs.js';
import { addDataplaneOptions, eksChoice, parseDataplane, type DataplaneFlags } from './dataplane.js';
import type { EksContext } from '../report/dataplanes.js';
import type { Cluster } from '../model/cluster.js';
import { textStyle, UsageError, type CliIO } from './io.js';

interface Flags extends InputFlags, DataplaneFlags {
  output?: string;
  namespace?: string;
}

/** In a directory, `*.test.yaml` files hold assertions and the rest are manifests (the bundled example's layout). */
const TEST_FILE = /\.test\.(ya?ml|json)$/;

/**
 * The assertion files and the manifests `test` arguments stand for. A file named on the command line is
 * an assertion file; a directory holding `*.test.yaml` files gives those, and its other files are
 * manifests; a directory with none is assertion files throughout, as before there was this convention.
 */
export function splitTestPaths(args: readonly string[], warn: (d: Diagnostic) => void): { tests: string[]; manifests: string[] } {
  const tests: string[] = [];
  const manifests: string[] = [];
  for (const arg of args) {
    const files = expandPaths([arg], warn);
    if (arg === '-' || files.length === 1 && files[0] === arg) {
      tests.push(...files);
      continue;
    }
    const named = files.filter((f) => TEST_FILE.test(f));
    if (!named.length) tests.push(...files);
    else {
      tests.push(...named);
      manifests.push(...files.filter((f) => !TEST_FILE.test(f)));
    }
  }
  return { tests, manifests };
}

export function testCommand(io: CliIO, done: (code: number) => void): Command {
  const cmd = new Command('test')
    .description('run assertion files: connections that must be allowed or denied')
    .argument('<paths...>', 'assertion files, or directories: their *.test.yaml files are run and their other files read as manifests')
    .option('-n, --namespace <ns>', 'the namespace of bare references (`api`, `svc/api`) in the assertions')
    .option('-o, --output <format>', 'text or json', 'text');
  addInputOptions(cmd);
  addDataplaneOptions(cmd);
  return cmd.action(async (files: string[], flags: Flags) => {
    const output = parseOutput(flags.output, ['text', 'json'] as const);
    const { tests: paths, manifests } = splitTestPaths(files, (d) => io.err(`${formatDiagnostic(d)}\n`));
    const shared = flags.filename?.length || flags.kubeconfig || flags.context ? await readInputs(flags, io) : [];
    if (manifests.length) shared.push(...readObjects(manifests, io));
    const options = buildOptions(flags);
    const dataplane = parseDataplane(flags.dataplane);
    const choices = new Map<Cluster, ReturnType<typeof eksChoice>>();
    const eks = (cluster: Cluster): ReturnType<typeof eksChoice> => {
      let c = choices.get(cluster);
      if (!c) choices.set(cluster, (c = eksChoice(flags, cluster)));
      return c;
    };
    const run = { dataplane, eks, ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}) };
    if (paths.length === 0) throw new UsageError('no assertion files found');
    // Everything is evaluated before anything is printed: bad input leaves no half-written report.
    const results: AssertionResult[] = [];
    const warnings: Diagnostic[] = [];
    for (const path of paths) {
      const file = parseAssertionFile(parseDocuments(readText(path, { readStdin: () => io.readStdin() }), path), path);
      results.push(...runAssertions(file, shared, options, run, warnings));
    }
    // the shared inputs' warnings come once, not once per assertion file
    const said = new Set<string>();
    for (const w of warnings) {
      const text = formatDiagnostic(w);
      if (!said.has(text)) io.err(`${text}\n`);
      said.add(text);
    }
    const passed = results.filter((r) => r.pass).length;
    const failed = results.length - passed;
    if (output === 'json') {
      const json = {
        summary: { passed, failed },
        results: results.map(({ file, line, from, to, port, protocol, expect, actual, pass, reason, judgement, dataplane, comparison }) => ({
          file,
          ...(line !== undefined ? { line } : {}),
          from,
          to,
          port,
          protocol,
          expect,
          actual,
          pass,
          reason,
          dataplane,
          explanation: explanationJson(judgementJson(judgement)),
          ...(comparison
            ? { eks: { allowed: comparison.eks.allowed, agent: comparison.eks.agent, compute: comparison.eks.compute, egress: comparison.eks.egress, ingress: comparison.eks.ingress }, kubernetes: { allowed: comparison.kubernetes.allowed }, mechanisms: comparison.mechanisms }
            : {}),
        })),
      };
      io.out(JSON.stringify(json, null, 2) + '\n');
    } else {
      io.out(renderText(results, io));
    }
    done(failed > 0 ? 1 : 0);
  });
}

function renderText(results: AssertionResult[], io: CliIO): string {
  const style: TextStyle = textStyle(io);
  const out: string[] = [];
  const byFile = new Map<string, AssertionResult[]>();
  for (const r of results) {
    const list = byFile.get(r.file) ?? [];
    list.push(r);
    byFile.set(r.file, list);
  }
  for (const [file, list] of byFile) {
    const failures = list.filter((r) => !r.pass);
    if (failures.length === 0) {
      out.push(`${style.good('PASS')} ${file} (${list.length} assertions)`);
      continue;
    }
    out.push(`${style.bad('FAIL')} ${file} (${failures.length} of ${list.length} failed)`);
    for (const r of failures) {
      out.push(`  ${file}${r.line !== undefined ? `:${r.line}` : ''}: ${r.from} -> ${r.to} ${r.port}/${r.protocol}: expected ${r.expect}, got ${r.actual === 'mixed' ? `partial (${outcomeText(r.judgement)})` : r.actual === 'none' ? 'no endpoint (no pod answers)' : r.actual}`);
      out.push(renderJudgement(r.judgement, style, '    ', eksContext(r)).trimEnd());
    }
  }
  const passed = results.filter((r) => r.pass).length;
  out.push('');
  out.push(`${passed} passed, ${results.length - passed} failed`);
  return out.join('\n') + '\n';
}

/** One pair: its `egress`, `ingress` and `warnings`, as before; several: their counts and an example of each outcome. */
function explanationJson(j: Record<string, unknown>): Record<string, unknown> {
  if ('egress' in j) return { egress: j.egress, ingress: j.ingress, warnings: j.warnings, pairs: j.pairs, ...(j.service ? { service: j.service, backends: j.backends } : {}), notes: j.notes };
  return { pairs: j.pairs, examples: j.examples, warnings: j.warnings, ...(j.service ? { service: j.service, backends: j.backends } : {}), notes: j.notes };
}

/** The EKS behaviour a result was judged with, for its explanation. */
function eksContext(r: AssertionResult): EksContext | undefined {
  const c = r.judgement.allowedComparison ?? r.judgement.deniedComparison;
  return c ? { agent: c.eks.agent, agentSource: '', compute: c.eks.compute, computeSource: '' } : undefined;
}
