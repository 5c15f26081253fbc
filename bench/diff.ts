/**
 * `podwall diff` end to end on ~2,000 workloads (the matrix benchmark's cluster) with a change of many
 * policies: every third NetworkPolicy edited (ports moved, a selector widened, egress isolation added),
 * as a large refactor would. Each format to a scratch file: wall time, peak RSS (GNU time), the number
 * of changes, against the matrix target (<= 10 s, <= 500 MB), beside `matrix -o csv` of the same cluster
 * in the same run (diff walks two matrices, once when the count keeps the changes: its natural reference).
 *
 * measureDiffEks: the same change on the typical cluster (2,500 pods, under the EKS matrix's pod limit)
 * under `--dataplane eks`, `diff -o csv` and `-o text` beside `matrix -o csv` under EKS, wall time and peak RSS.
 * Run directly after a build: `node dist/bench/diff.js [--eks] [--formats csv,text]` (one JSON line, with the load).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MATRIX_SHAPE, MATRIX_TARGET, podwallArgv, timed } from './e2e.js';
import { generateYaml, SHAPES, type Shape } from './generate.js';

/** Every third NetworkPolicy of `yaml`, edited. */
export function policyChange(yaml: string): string {
  const policies = yaml.split('---\n').filter((d) => d.includes('kind: NetworkPolicy\n'));
  const changed: string[] = [];
  policies.forEach((d, i) => {
    if (i % 3) return;
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

/** `diff` under the EKS data plane on the typical cluster, beside `matrix -o csv` under EKS. */
export function measureDiffEks(formats: readonly string[] = ['csv', 'text']): Record<string, unknown> {
  return measure('diff-cli-eks', SHAPES.typical, 'eks', formats);
}

function measure(workload: string, shape: Shape, dataplane: 'kubernetes' | 'eks', formats: readonly string[]): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'podwall-bench-diff-'));
  try {
    const input = join(dir, 'cluster.yaml');
    const change = join(dir, 'change.yaml');
    const yaml = generateYaml(shape);
    writeFileSync(input, yaml);
    writeFileSync(change, policyChange(yaml));
    const result: Record<string, unknown> = { workload, dataplane, target: `<= ${MATRIX_TARGET.seconds} s and <= ${MATRIX_TARGET.mb} MB per format` };
    const matrix = timed(podwallArgv('matrix', '--dataplane', dataplane, '-f', input, '-o', 'csv'), join(dir, 'matrix.csv'));
    rmSync(join(dir, 'matrix.csv'));
    result.matrix_csv_s = matrix.s;
    result.matrix_csv_rss_mb = matrix.rss_mb;
    for (const f of formats) {
      const out = join(dir, `out.${f}`);
      const r = timed(podwallArgv('diff', '--dataplane', dataplane, '-f', input, '--to', change, '-o', f), out);
      if (f === 'csv') result.changed_ranges = readFileSync(out, 'utf8').split('\n').length - 2;
      rmSync(out);
      result[`${f}_s`] = r.s;
      result[`${f}_rss_mb`] = r.rss_mb;
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
  const i = args.indexOf('--formats');
  const formats = i >= 0 ? args[i + 1]!.split(',') : undefined;
  const load = (): number => Math.round(loadavg()[0]! * 10) / 10;
  const before = load();
  const result = args.includes('--eks') ? measureDiffEks(formats) : measureDiffCli(formats);
  console.log(JSON.stringify({ ...result, load_before: before, load_after: load() }));
}
