/**
 * `podwall diff` end to end on ~2,000 workloads (the matrix benchmark's cluster) with a change of many
 * policies: every third NetworkPolicy edited (ports moved, a selector widened, egress isolation added),
 * as a large refactor would. Each format to a scratch file: wall time, peak RSS (GNU time), the number
 * of changes, against the matrix target (<= 10 s, <= 500 MB), beside `matrix -o csv` of the same cluster
 * in the same run (diff walks two matrices, up to three times: its natural reference).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MATRIX_SHAPE, MATRIX_TARGET, podwallArgv, timed } from './e2e.js';
import { generateYaml } from './generate.js';

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
  const dir = mkdtempSync(join(tmpdir(), 'podwall-bench-diff-'));
  try {
    const input = join(dir, 'cluster.yaml');
    const change = join(dir, 'change.yaml');
    const yaml = generateYaml(MATRIX_SHAPE);
    writeFileSync(input, yaml);
    writeFileSync(change, policyChange(yaml));
    const result: Record<string, unknown> = { workload: 'diff-cli', target: `<= ${MATRIX_TARGET.seconds} s and <= ${MATRIX_TARGET.mb} MB per format` };
    const matrix = timed(podwallArgv('matrix', '--dataplane', 'kubernetes', '-f', input, '-o', 'csv'), join(dir, 'matrix.csv'));
    rmSync(join(dir, 'matrix.csv'));
    result.matrix_csv_s = matrix.s;
    for (const f of formats) {
      const out = join(dir, `out.${f}`);
      const r = timed(podwallArgv('diff', '--dataplane', 'kubernetes', '-f', input, '--to', change, '-o', f), out);
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
