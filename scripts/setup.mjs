// Installs dependencies when they are missing or older than the lock file, so that `npm test` and
// `npm run demo` work on a fresh clone with only Node and npm.
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const marker = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs;
if (stale) {
  console.error('podwall: installing dependencies (npm ci)...');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}

// The agent line scanner in C (native/flow-scan, src/flows/native-scan.ts), built with the node-gyp
// that comes with npm when it is missing or older than its source. Without a C compiler the flow
// commands use the JavaScript scanner, with the same outcome, more slowly: a failed build is said,
// not fatal.
buildNativeScanner();

function buildNativeScanner() {
  const dir = join(root, 'native', 'flow-scan');
  const addon = join(dir, 'build', 'Release', 'flow_scan.node');
  const sources = ['flow_scan.c', 'binding.gyp'].map((f) => join(dir, f));
  if (existsSync(addon) && sources.every((s) => statSync(s).mtimeMs <= statSync(addon).mtimeMs)) return;
  const gyp = nodeGyp();
  if (!gyp) {
    console.error('podwall: node-gyp (which comes with npm) was not found; flow logs are read by the JavaScript scanner');
    return;
  }
  // Node's headers: npm's nodedir setting when there is one (npm passes it to scripts), else node-gyp finds them
  const nodedir = process.env.npm_config_nodedir || npmConfig('nodedir');
  const r = spawnSync(process.execPath, [gyp, 'rebuild', ...(nodedir ? [`--nodedir=${nodedir}`] : [])], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0 || !existsSync(addon)) {
    const why = `${r.error?.message ?? ''}${r.stderr ?? ''}`.split('\n').find((l) => /error|not found|ERR!/i.test(l)) ?? `node-gyp exited with ${r.status}`;
    console.error(`podwall: the native flow scanner was not built (${why.trim()}); flow logs are read by the JavaScript scanner`);
  }
}

function nodeGyp() {
  const candidates = [
    process.env.npm_execpath && join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((c) => c && existsSync(c));
}

function npmConfig(key) {
  const r = spawnSync('npm', ['config', 'get', key], { encoding: 'utf8' });
  const v = r.status === 0 ? r.stdout.trim() : '';
  return v && v !== 'undefined' && v !== 'null' ? v : undefined;
}
