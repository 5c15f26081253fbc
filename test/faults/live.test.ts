// Fault injection against a live cluster: a hostile API server and a hanging webhook, both on 127.0.0.1.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeApiServer } from '../fixtures/apiserver.js';
import { HostileApiServer } from '../fixtures/hostile-apiserver.js';
import { ROOT } from '../helpers.js';
import { listing, run } from './run.js';

const api = new HostileApiServer();
let kubeconfig = '';
before(async () => {
  await api.start();
  kubeconfig = api.kubeconfig();
});
after(() => api.close());

describe('a hostile API server: fail closed, never an empty cluster', () => {
  it('works over plain http:// without TLS settings, as kubectl does (kubectl proxy)', async () => {
    api.mode = 'ok';
    const r = await run(['explain', '--kubeconfig', kubeconfig, '--from', 'shop/web-1', '--to', 'shop/web-1', '--port', '80']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ALLOW shop\/web-1 -> shop\/web-1/);
  });

  it('an https:// URL to a plain http server says to write http://', async () => {
    api.mode = 'ok';
    const file = join(mkdtempSync(join(tmpdir(), 'podwall-kubeconfig-')), 'config');
    writeFileSync(file, readFileSync(kubeconfig, 'utf8').replace('http://', 'https://'));
    const r = await run(['audit', '--kubeconfig', file]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^podwall: cannot reach the API server at https:\/\/127\.0\.0\.1:\d+ \(list \S+\): it does not answer in TLS; if it is a plain http server \(kubectl proxy\), write http:\/\/ in the kubeconfig\n$/);
  });

  const cases: { mode: 'html' | 'truncated' | 'not-a-list' | 'gone-while-paging' | 'same-token'; message: RegExp }[] = [
    { mode: 'html', message: /list \S+: the server answered 200 with an HTML or XML page \(content-type text\/html/ },
    { mode: 'truncated', message: /list \S+: the server answered 200 with JSON that is cut short or malformed/ },
    { mode: 'not-a-list', message: /list \S+: the server answered a Status without a list of items/ },
    { mode: 'gone-while-paging', message: /list pods: 410 Gone 4 times while paging/ },
    { mode: 'same-token', message: /list pods: the server handed out the same continue token twice/ },
  ];
  for (const c of cases) {
    it(`${c.mode}: every command exits 2 naming the resource; snapshot writes nothing`, async () => {
      api.mode = c.mode;
      const commands = c.mode === 'html' ? [['audit'], ['matrix'], ['explain', '--from', 'shop/web-1', '--to', 'shop/web-1', '--port', '80']] : [['audit']];
      for (const args of commands) {
        const r = await run([...args, '--kubeconfig', kubeconfig]);
        assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
        assert.match(r.stderr, c.message);
        assert.equal(r.stdout, '', 'no results from a cluster that was not read');
        assert.doesNotMatch(r.stderr, /internal error|    at /);
      }
      const dir = mkdtempSync(join(tmpdir(), 'podwall-snap-'));
      const r = await run(['snapshot', '--kubeconfig', kubeconfig, '-o', join(dir, 'snap.yaml')]);
      assert.equal(r.code, 2, r.stderr);
      assert.deepEqual(listing(dir), [], 'no snapshot, no temporary file');
    });
  }

  it('endless continue tokens: an error after the page bound, not a hang', async () => {
    api.mode = 'endless-pages';
    const r = await run(['audit', '--kubeconfig', kubeconfig], { timeoutMs: 120_000 });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /list pods: the server handed out more than 10000 pages/);
  });

  it('a page larger than podwall holds is asked again in smaller pages, and the cluster is read whole', async () => {
    api.mode = 'big-pages';
    api.pageSizes = [];
    const r = await run(['explain', '--kubeconfig', kubeconfig, '--from', 'shop/web-1', '--to', 'shop/web-1', '--port', '80'], { timeoutMs: 60_000, env: { NODE_OPTIONS: '--max-old-space-size=256' } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ALLOW shop\/web-1 -> shop\/web-1/);
    assert.deepEqual(api.pageSizes, [500, 50, 5]);
  });

  it('an answer that never ends is an error at the size bound, in bounded memory', async () => {
    api.mode = 'endless-body';
    api.pageSizes = [];
    const r = await run(['audit', '--kubeconfig', kubeconfig], { timeoutMs: 60_000, env: { NODE_OPTIONS: '--max-old-space-size=256' } });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /list pods: the answer from http:\/\/127\.0\.0\.1:\d+ is larger than 64 MiB for a single object/);
    assert.doesNotMatch(r.stderr, /internal error|    at /);
    assert.deepEqual(api.pageSizes, [500, 50, 5, 1]);
  });

  it('a server that never answers: --request-timeout ends every command with exit 2, and snapshot writes nothing', async () => {
    api.mode = 'slow';
    const dir = mkdtempSync(join(tmpdir(), 'podwall-snap-'));
    const r = await run(['snapshot', '--kubeconfig', kubeconfig, '--request-timeout', '1s', '-o', join(dir, 'snap.yaml')], { timeoutMs: 30_000 });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /list \S+: no complete answer from http:\/\/127\.0\.0\.1:\d+ within 1s \(raise --request-timeout/);
    assert.ok(r.ms < 15_000, `took ${r.ms} ms`);
    assert.deepEqual(listing(dir), []);
    const bad = await run(['audit', '--kubeconfig', kubeconfig, '--request-timeout', '5']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--request-timeout "5": expected 0 or a duration with its unit/);
  });

  it('watch error events back off and are reported once per burst', async () => {
    api.mode = 'watch-errors';
    api.watchRequests = 0;
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'podwall.js'), 'watch', '--kubeconfig', kubeconfig, '--interval', '100ms'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const deadline = Date.now() + 30_000;
    while (!stderr.includes('error event') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const from = api.watchRequests;
    await new Promise((r) => setTimeout(r, 4000));
    const during = api.watchRequests - from;
    child.kill('SIGTERM');
    await new Promise((r) => child.on('close', r));
    const lines = stderr.split('\n').filter((l) => /error event/.test(l));
    // 17 resources watched; each reports its first failure once
    assert.ok(lines.length > 0 && lines.length <= 17, `${lines.length} error lines:\n${stderr.slice(0, 2000)}`);
    assert.match(lines[0]!, /watch \S+: error event 500: etcdserver: request timed out; resuming from resourceVersion 10 with backoff/);
    // with backoff 200, 400, 800, 1600 ms... a resource reconnects at most ~5 times in 4 s
    assert.ok(during <= 17 * 6, `${during} watch requests in 4 s`);
  });
});

describe('a webhook that never answers', () => {
  const fake = new FakeApiServer();
  let hook: Server;
  let posts = 0;
  before(async () => {
    await fake.start();
    fake.put('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    hook = createServer(() => {
      posts++; // and never answers
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    hook.closeAllConnections();
    hook.close();
    await fake.close();
  });

  it('does not stop re-audits while the cluster changes', async () => {
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'podwall.js'), 'watch', '--kubeconfig', fake.kubeconfig(), '--interval', '100ms', '--webhook', url], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const audits = (): number => stdout.split('\n').filter((l) => l.includes('"type":"audit"')).length;
    try {
      const deadline = Date.now() + 20_000;
      while (!stdout.includes('"type":"ready"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      for (let i = 0; i < 6; i++) {
        fake.put('/api/v1/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${i}`, namespace: 'shop', labels: { app: `a${i}` } } as { name: string }, spec: { containers: [{ name: 'c', image: 'x' }] } });
        await new Promise((r) => setTimeout(r, 400));
      }
      assert.ok(audits() >= 4, `only ${audits()} re-audits while the webhook hung:\n${stdout.slice(0, 500)}`);
      assert.ok(posts >= 1, 'the webhook was called');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('close', r));
    }
  });
});

describe('kubeconfig faults: one line naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podwall-kubeconfig-'));
  writeFileSync(join(dir, 'garbage'), ':::: not yaml [');
  writeFileSync(join(dir, 'no-cluster'), 'apiVersion: v1\nkind: Config\ncurrent-context: x\ncontexts: [{name: x, context: {cluster: missing, user: u}}]\n');
  writeFileSync(join(dir, 'binary'), Buffer.from([0, 1, 2, 255, 254]));
  mkdirSync(join(dir, 'a-directory'));
  const cases: [string, RegExp][] = [
    ['garbage', /the kubeconfig \S*garbage names no current cluster/],
    ['no-cluster', /the kubeconfig \S*no-cluster names no current cluster: no current-context, or its cluster is missing/],
    ['binary', /cannot load kubeconfig \S*binary: /],
    ['a-directory', /cannot load kubeconfig \S*a-directory: it is a directory/],
    ['missing', /cannot load kubeconfig \S*missing: no such file/],
  ];
  for (const [name, message] of cases) {
    it(name, async () => {
      const r = await run(['audit', '--kubeconfig', join(dir, name)]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    });
  }
});
