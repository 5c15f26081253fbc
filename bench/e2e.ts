/**
 * The real command line, end to end, as a user runs it: wall time and peak RSS of a fresh `podwall`
 * process (GNU time's maximum resident set size, when /usr/bin/time is there). Output goes to
 * /dev/null, so what is timed is podwall's work and writing, not a reader's.
 * - measureMatrixCli: `matrix -o csv` (and text, md, json) on a generated cluster of ~2,000 workloads,
 *   against the targets (<= 10 s, <= 500 MB), beside a reference measured in the same run: a Node
 *   process writing the same number of bytes to /dev/null in the same chunks.
 * - measureEndToEnd: `audit` and `matrix` on a realistic dump (dump.ts) written to a file.
 * - measureEndToEndDir: the same on a dump written as a directory of per-namespace files (dump-files.ts),
 *   the matrix of one namespace (`-n`, which narrows the walk to that namespace's rows and columns; the line
 *   says so in matrix_scope), under the specification and, when asked, under EKS.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateYaml, type Shape } from './generate.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const GNU_TIME = '/usr/bin/time';

/** ~2,000 workloads: the typical shape's density (six pods an app, half of them bare Pods) over more namespaces. */
export const MATRIX_SHAPE: Shape = { workload: 'typical', namespaces: 134, pods: 3350, policies: 470, clusterPolicies: 20 };
export const MATRIX_TARGET = { seconds: 10, mb: 500 };

interface Run {
  s: number;
  /** User and system CPU seconds (GNU time), null without it. */
  cpu_s: number | null;
  rss_mb: number | null;
  out_mb: number;
}

/** One run of `argv` (node and its arguments) with stdout to `out`; exit code 0 or 1 expected. */
export function timed(argv: string[], out: string): Run {
  const gnu = existsSync(GNU_TIME);
  const fd = openSync(out, 'w');
  const t = performance.now();
  const r = spawnSync(gnu ? GNU_TIME : argv[0]!, gnu ? ['-f', '%U %S %M', ...argv] : argv.slice(1), { cwd: ROOT, stdio: ['ignore', fd, 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
  const s = (performance.now() - t) / 1000;
  closeSync(fd);
  if (r.status !== 0 && r.status !== 1) throw new Error(`${argv.join(' ')}: exit ${r.status}: ${r.stderr.slice(-500)}`);
  const last = gnu ? /([\d.]+) ([\d.]+) (\d+)\s*$/.exec(r.stderr) : null;
  const kb = Number(last?.[3]);
  const cpu = Number(last?.[1]) + Number(last?.[2]);
  return { s: Math.round(s * 100) / 100, cpu_s: Number.isFinite(cpu) ? Math.round(cpu * 10) / 10 : null, rss_mb: Number.isFinite(kb) ? Math.round(kb / 1024) : null, out_mb: Math.round(statSync(out).size / 104857.6) / 10 };
}

const podwall = (...args: string[]): string[] => [process.execPath, join(ROOT, 'bin', 'podwall.js'), ...args];
/** The command line of a fresh podwall process with `args`. */
export const podwallArgv = podwall;

/** `matrix -o FORMAT` on ~2,000 workloads, to /dev/null; the bytes are counted by a run to a scratch file for csv. */
export function measureMatrixCli(formats: readonly string[] = ['csv', 'table', 'md', 'json']): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'podwall-bench-'));
  try {
    const input = join(dir, 'cluster.yaml');
    writeFileSync(input, generateYaml(MATRIX_SHAPE));
    const result: Record<string, unknown> = { workload: 'matrix-cli', target: `<= ${MATRIX_TARGET.seconds} s and <= ${MATRIX_TARGET.mb} MB per format` };
    for (const f of formats) {
      const r = timed(podwall('matrix', '--dataplane', 'kubernetes', '-f', input, '-o', f), join(dir, `out.${f}`));
      rmSync(join(dir, `out.${f}`));
      result[`${f}_s`] = r.s;
      result[`${f}_rss_mb`] = r.rss_mb;
      result[`${f}_out_mb`] = r.out_mb;
      result[`${f}_meets_target`] = r.s <= MATRIX_TARGET.seconds && (r.rss_mb === null || r.rss_mb <= MATRIX_TARGET.mb);
      if (f === 'csv') {
        // the same bytes written by a bare Node process in the same run: what writing alone costs here now
        const bytes = Math.round(r.out_mb * 1048576);
        const ref = timed([process.execPath, '-e', `const c='x'.repeat(65535)+'\\n';let n=${bytes};const w=()=>{while(n>0){n-=65536;if(!process.stdout.write(c))return process.stdout.once('drain',w)}};w()`], '/dev/null');
        result.write_ref_s = ref.s;
        result.csv_vs_write_ref = Math.round((r.s / ref.s) * 10) / 10;
      }
    }
    const node = timed([process.execPath, '-e', '1'], '/dev/null');
    result.node_s = node.s;
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `audit -o json` and `matrix -o csv` on a dump's YAML text, through a file as a user would. */
export function measureEndToEnd(yaml: string): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'podwall-bench-'));
  try {
    const input = join(dir, 'dump.yaml');
    writeFileSync(input, yaml);
    const audit = timed(podwall('audit', '-f', input, '-o', 'json'), '/dev/null');
    const matrix = timed(podwall('matrix', '--dataplane', 'kubernetes', '-f', input, '-o', 'csv'), join(dir, 'matrix.csv'));
    return { audit_e2e_s: audit.s, audit_rss_mb: audit.rss_mb, matrix_scope: 'whole', matrix_e2e_s: matrix.s, matrix_rss_mb: matrix.rss_mb, matrix_csv_mb: matrix.out_mb };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `audit -o json` (unless `audit` is false) and `matrix -o csv -n NAMESPACE` on a dump directory (dump-files.ts),
 * as a user runs them: the matrix under the specification, and with `eks` under the EKS data plane too.
 */
export function measureEndToEndDir(dir: string, namespace = 'ns0', o: { audit?: boolean; eks?: boolean } = {}): Record<string, unknown> {
  const out = join(tmpdir(), `podwall-bench-matrix-${process.pid}.csv`);
  try {
    const result: Record<string, unknown> = {};
    if (o.audit !== false) {
      const audit = timed(podwall('audit', '-f', dir, '-o', 'json'), '/dev/null');
      Object.assign(result, { audit_e2e_s: audit.s, audit_cpu_s: audit.cpu_s, audit_rss_mb: audit.rss_mb });
    }
    const matrix = timed(podwall('matrix', '--dataplane', 'kubernetes', '-n', namespace, '-f', dir, '-o', 'csv'), out);
    Object.assign(result, { matrix_scope: `-n ${namespace}`, matrix_e2e_s: matrix.s, matrix_cpu_s: matrix.cpu_s, matrix_rss_mb: matrix.rss_mb, matrix_csv_mb: matrix.out_mb });
    if (o.eks) {
      const eks = timed(podwall('matrix', '--dataplane', 'eks', '-n', namespace, '-f', dir, '-o', 'csv'), out);
      Object.assign(result, { matrix_eks_e2e_s: eks.s, matrix_eks_cpu_s: eks.cpu_s, matrix_eks_rss_mb: eks.rss_mb, matrix_eks_csv_mb: eks.out_mb });
    }
    return result;
  } finally {
    rmSync(out, { force: true });
  }
}

/**
 * `audit -o json` on 3,000 and on 6,000 pods in ONE namespace (the typical shape's apps and policies,
 * a policy per 20 pods): twice the pods should take about twice the time. A ratio near 4 says something
 * became quadratic in the pods of a namespace again (the EKS probe pairs once were: 738 s for 6,000).
 */
export function measureOneNamespace(): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'podwall-bench-'));
  try {
    const result: Record<string, unknown> = { workload: 'one-namespace-audit' };
    const runs: Run[] = [];
    for (const pods of [3000, 6000]) {
      const input = join(dir, `ns-${pods}.yaml`);
      writeFileSync(input, generateYaml({ workload: 'typical', namespaces: 1, pods, policies: pods / 20, clusterPolicies: 0 }));
      const r = timed(podwall('audit', '-f', input, '-o', 'json'), '/dev/null');
      runs.push(r);
      result[`audit_${pods}_pods_s`] = r.s;
      result[`audit_${pods}_pods_cpu_s`] = r.cpu_s;
      result[`audit_${pods}_pods_rss_mb`] = r.rss_mb;
    }
    const [a, b] = runs as [Run, Run];
    result.cpu_6000_vs_3000 = a.cpu_s && b.cpu_s ? Math.round((b.cpu_s / a.cpu_s) * 100) / 100 : null;
    result.wall_6000_vs_3000 = Math.round((b.s / a.s) * 100) / 100;
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
