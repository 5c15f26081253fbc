/**
 * Start-up as a user feels it: the median wall time of several runs of `podwall --version` and of
 * `explain` on the bundled example, each a fresh process, beside Node's own start-up.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function median(args: string[], runs = 7, script = join(ROOT, 'bin', 'podwall.js')): number {
  const seconds: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, [script, ...args], { cwd: ROOT, encoding: 'utf8' });
    seconds.push((performance.now() - t) / 1000);
    if (r.status !== 0) throw new Error(`podwall ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  }
  return Math.round(seconds.sort((a, b) => a - b)[Math.floor(runs / 2)]! * 1000) / 1000;
}

export function measureStartup(): Record<string, unknown> {
  return {
    workload: 'startup',
    /** `node -e 1`, in the same run: on a busy machine every figure here grows with it. */
    node_s: median(['1'], 7, '-e'),
    version_s: median(['--version']),
    explain_example_s: median(['explain', '--from', 'shop/storefront', '--to', 'shop/db', '--port', '5432', '-f', 'examples/shop']),
  };
}
