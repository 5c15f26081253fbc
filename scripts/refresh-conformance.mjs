// Copies ../shared/conformance into test/conformance so the repository passes its tests on its own.
// Run after the shared corpus changes: npm run conformance:refresh
import { cpSync, existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = process.argv[2] ?? join(root, '..', 'shared', 'conformance');
const target = join(root, 'test', 'conformance');
if (!existsSync(source)) {
  console.error(`no conformance corpus at ${source}`);
  process.exit(2);
}
rmSync(target, { recursive: true, force: true });
cpSync(source, target, { recursive: true });
console.error(`copied ${source} -> ${target}`);
