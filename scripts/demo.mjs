// `npm run demo`: podwall on the bundled example cluster: its matrix, a few explained verdicts, its tests.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'podwall.js');
const steps = [
  ['matrix', '-f', 'examples/shop', '--port', '9000'],
  ['explain', '--from', 'shop/storefront', '--to', 'shop/db', '--port', '5432', '-f', 'examples/shop'],
  ['explain', '--from', 'monitoring/prometheus', '--to', 'shop/api', '--port', 'metrics', '-f', 'examples/shop'],
  ['explain', '--from', 'shop/api', '--to', 'api.stripe.com', '--port', '443', '-f', 'examples/shop'],
  ['test', 'examples/shop/connectivity.test.yaml', '-f', 'examples/shop'],
];
let failed = 0;
for (const args of steps) {
  process.stdout.write(`\n$ podwall ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
