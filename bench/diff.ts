/**
 * `podwall diff` end to end on ~2,000 workloads (the matrix benchmark's cluster) with a change of many
 * policies: every third NetworkPolicy edited (ports moved, a selector widened, egress isolation added),
 * as a large refactor would. Each format to a scratch file: wall time, peak RSS (GNU time), the number
 * of changes, against the matrix target (<= 10 s, <= 500 MB), beside `matrix -o csv` of the same cluster
 * in the same run (diff walks two matrices, once when the count keeps the changes: its natural reference).
 *
 * measureDiffEks: the same change on the typical cluster (2,500 pods) under `--dataplane eks`, `diff -o csv`
 * and `-o text` beside `matrix -o csv` under EKS, wall time, CPU time and peak RSS; `--size large` on the large
 * cluster (5,413 pods, 13,678 policies), where `--edits 50` keeps the first 50 of the edited policies (a change
 * the size of a review; every third of 13,678 is a rewrite). Each large run is minutes of CPU.
 * Run directly after a build: `node dist/bench/diff.js [--eks [--size large] [--edits N]] [--formats csv,text]`
 * (one JSON line, with the load).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MATRIX_SHAPE, MATRIX_TARGET, podwallArgv, timed } from './e2e.js';
import { generateYaml, SHAPES, type Shape } from './generate.js';

/** Every third NetworkPolicy of `yaml`, edited; with `most`, only the first that many of them. */
export function policyChange(yaml: string, most = Infinity): string {
  const policies = yaml.split('---\n').filter((d) => d.includes('kind: NetworkPolicy\n'));
  const changed: string[] = [];
  policies.forEach((d, i) => {
    if (i % 3 || changed.length >= most) return;
    let c = d
      .replace(/port: 8080/g, 'port: 8443')
      .replace(/port: http/g, 'port: 9090')
      .replace(/policyTypes: \[Ingress\]/, 'policyTypes: [Ingress, Egress]')
      .replace(/env: prod/, 'env: dev');
    if (c === d) c = d.replace(/port: 443/g, 'port: 8080');
    changed.push(c);
  });
  return changed.join('---\n');
}

export function measureDiffCli(formats: readonly string[] = ['csv', 'text', 'json', 'md']): Record<string, unknown> {
  return measure('diff-cli', MATRIX_SHAPE, 'kubernetes', formats);
}

/** `diff` under the EKS data plane on the typical (or another) cluster, beside `matrix -o csv` under EKS. */
export function measureDiffEks(formats: readonly string[] = ['csv', 'text'], shape: Shape = SHAPES.typical, edits?: number): Record<string, unknown> {
  return measure(shape === SHAPES.typical ? 'diff-cli-eks' : `diff-cli-eks-${shape.workload}`, shape, 'eks', formats, edits);
}

function measure(workload: string, shape: Shape, dataplane: 'kubernetes' | 'eks', formats: readonly string[], edits?: number): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'podwall-bench-diff-'));
  try {
    const input = join(dir, 'cluster.yaml');
    const change = join(dir, 'change.yaml');
    const yaml = generateYaml(shape);
    writeFileSync(input, yaml);
    writeFileSync(change, policyChange(yaml, edits));
    const result: Record<string, unknown> = { workload, dataplane, ...(edits !== undefined ? { edited_policies: edits } : {}), target: `<= ${MATRIX_TARGET.seconds} s and <= ${MATRIX_TARGET.mb} MB per format` };
    const matrix = timed(podwallArgv('matrix', '--dataplane', dataplane, '-f', input, '-o', 'csv'), join(dir, 'matrix.csv'));
    rmSync(join(dir, 'matrix.csv'));
    result.matrix_csv_s = matrix.s;
    result.matrix_csv_cpu_s = matrix.cpu_s;
    result.matrix_csv_rss_mb = matrix.rss_mb;
    for (const f of formats) {
      const out = join(dir, `out.${f}`);
      const r = timed(podwallArgv('diff', '--dataplane', dataplane, '-f', input, '--to', change, '-o', f), out);
      if (f === 'csv') result.changed_ranges = readFileSync(out, 'utf8').split('\n').length - 2;
      rmSync(out);
      result[`${f}_s`] = r.s;
      result[`${f}_cpu_s`] = r.cpu_s;
      result[`${f}_rss_mb`] = r.rss_mb;
      if (r.rss_mb !== null && matrix.rss_mb !== null) result[`${f}_rss_vs_matrix_csv`] = Math.round((r.rss_mb / matrix.rss_mb) * 100) / 100;
      result[`${f}_out_mb`] = r.out_mb;
      result[`${f}_vs_matrix_csv`] = Math.round((r.s / matrix.s) * 10) / 10;
      result[`${f}_meets_target`] = r.s <= MATRIX_TARGET.seconds && (r.rss_mb === null || r.rss_mb <= MATRIX_TARGET.mb);
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (flag: string): string | undefined => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const formats = value('--formats')?.split(',');
  const shape = SHAPES[(value('--size') ?? 'typical') as Shape['workload']];
  const edits = value('--edits') !== undefined ? Number(value('--edits')) : undefined;
  const load = (): number => Math.round(loadavg()[0]! * 10) / 10;
  const before = load();
  const result = args.includes('--eks') ? measureDiffEks(formats, shape, edits) : measureDiffCli(formats);
  console.log(JSON.stringify({ ...result, load_before: before, load_after: load() }));
}
