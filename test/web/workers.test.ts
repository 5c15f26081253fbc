// The dashboard's heavy views (graph, denied, diff) in a worker thread, through `podwall serve` as a user
// runs it: the summary, static files and cheap answers are not held up by them, their answers are the
// bytes the server's own thread gives (PODWALL_SERVE_THREADS=0), a failing worker is a 500 and one log
// line, and the server stops at once on a signal even while a worker computes.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateYaml } from '../../bench/generate.js';
import { killAll, serve as serveAny, start, stop, type Served } from './serve-process.js';

after(killAll);

/** The servers here answer for the specification (`--dataplane kubernetes`), unless a test starts its own. */
const serve = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<Served> => serveAny(['--dataplane', 'kubernetes', ...args], env);

async function bytes(s: Served, path: string): Promise<{ status: number; text: string }> {
  const r = await fetch(s.origin + path);
  return { status: r.status, text: await r.text() };
}

const dir = mkdtempSync(join(tmpdir(), 'podwall-workers-'));
// about 600 workloads (1,000 pods): the full workload graph takes seconds, the summary milliseconds
const cluster = join(dir, 'cluster.yaml');
const generated = generateYaml({ workload: 'large', namespaces: 17, pods: 1026, policies: 103, clusterPolicies: 20 });
writeFileSync(cluster, generated);
// a proposal is a whole policy set: today's policies, one app closed and one port opened
const proposed = join(dir, 'proposed.yaml');
const policies = generated.split(/^---$/m).filter((d) => /^kind: \S*Policy$/m.test(d));
writeFileSync(
  proposed,
  policies.join('---') +
    '---\n' +
  'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: closed, namespace: ns1}\nspec: {podSelector: {matchLabels: {app: app0}}, policyTypes: [Ingress]}\n---\n' +
    'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: opened, namespace: ns2}\nspec: {podSelector: {matchLabels: {app: app1}}, ingress: [{ports: [{port: 9999}]}]}\n',
);

describe('dashboard: heavy views in a worker thread', () => {
  let worker: Served;
  let inline: Served;
  before(async () => {
    [worker, inline] = await Promise.all([serve(['-f', cluster, '--proposed', proposed]), serve(['-f', cluster, '--proposed', proposed], { PODWALL_SERVE_THREADS: '0' })]);
  });
  after(async () => {
    await Promise.all([stop(worker), stop(inline)]);
  });

  it('answers the summary, a static file and a cheap view while a heavy answer computes', async () => {
    const order: string[] = [];
    const heavy = ['/api/graph?level=workload', '/api/diff'].map((p) => bytes(worker, p).then((r) => order.push(`heavy ${p} ${r.status}`)));
    for (let i = 0; i < 3; i++) {
      const r = await bytes(worker, '/api/summary');
      order.push(`summary ${r.status}`);
    }
    order.push(`static ${(await bytes(worker, '/app.js')).status}`);
    order.push(`audit ${(await bytes(worker, '/api/audit')).status}`);
    await Promise.all(heavy);
    // the order of completion, not a time: every cheap answer came back while both heavy ones computed
    assert.deepEqual(order.slice(0, 5), ['summary 200', 'summary 200', 'summary 200', 'static 200', 'audit 200'], order.join(', '));
    assert.deepEqual(order.slice(5).sort(), ['heavy /api/diff 200', 'heavy /api/graph?level=workload 200']);
  });

  it('forty clients that ask for the diff and never read hold one shared answer, not forty, and the server goes on', async () => {
    const path = '/api/diff';
    const size = (await bytes(worker, path)).text.length; // computed and cached once
    const rss = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${worker.child.pid}/status`, 'utf8'))![1]) * 1024;
    const before = rss();
    const { hostname: host, port } = new URL(worker.origin);
    const sockets = await Promise.all(Array.from({ length: 40 }, () => new Promise<Socket>((resolve, reject) => {
      const c = connect({ host, port: Number(port) }, () => {
        c.pause(); // never read: the answer backs up in the server's socket
        c.write(`GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`);
        resolve(c);
      });
      c.on('error', reject);
    })));
    try {
      await new Promise((r) => setTimeout(r, 500));
      const r = await bytes(worker, '/api/summary');
      assert.equal(r.status, 200, 'the server still answers');
      const grown = rss() - before;
      console.log(`# diff answer ${size} bytes; RSS grew ${grown} bytes with 40 stalled readers`);
      assert.ok(grown < 10 * size + 64 * 1024 * 1024, `RSS grew ${grown} bytes for 40 stalled readers of a ${size}-byte answer`);
    } finally {
      for (const c of sockets) c.destroy();
    }
  });

  it('gives the bytes the server\'s own thread gives, for every heavy view', async () => {
    const summary = JSON.parse((await bytes(inline, '/api/summary')).text);
    assert.ok(summary.workloads > 300, `a cluster above the fold (${summary.workloads} workloads)`);
    const ns1 = JSON.parse((await bytes(inline, '/api/graph?namespace=ns1')).text);
    const w = ns1.nodes.find((n: { namespace: string; kind: string }) => n.namespace === 'ns1' && n.kind !== 'Namespace').id as string;
    const paths = ['/api/graph', '/api/graph?level=workload', '/api/graph?namespace=ns1', '/api/graph?namespace=ns3&port=8080', '/api/graph?diff=1', `/api/denied?workload=${encodeURIComponent(w)}`, '/api/diff', '/api/graph?namespace=nope', '/api/denied?workload=ns1/nope'];
    for (const p of paths) {
      const [a, b] = await Promise.all([bytes(worker, p), bytes(inline, p)]);
      assert.equal(a.status, b.status, p);
      assert.ok(a.text === b.text, `${p}: the worker's answer (${a.text.length} bytes) differs from the server thread's (${b.text.length} bytes)`);
    }
    const diff = JSON.parse((await bytes(worker, '/api/diff')).text);
    assert.ok(diff.changes.length > 0, 'the proposal changes connections');
    // the answers carry file:line (the worker read the files again: positions do not cross threads)
    const denied = JSON.parse((await bytes(worker, `/api/denied?workload=${encodeURIComponent(w)}`)).text);
    assert.ok(denied.edges.some((e: { reason: { line?: number } }) => typeof e.reason.line === 'number'), 'denial reasons name the line of the policy');
    assert.doesNotMatch(worker.stderr(), /failed|worker/);
  });
});

describe('dashboard: flows on the graph from a worker', () => {
  it('the observed counts are the server thread\'s', async () => {
    const args = ['-f', 'test/fixtures/flows/cluster.yaml', '--flows', 'test/fixtures/flows/logs'];
    const [a, b] = await Promise.all([serve(args), serve(args, { PODWALL_SERVE_THREADS: '0' })]);
    try {
      const [x, y] = await Promise.all([bytes(a, '/api/graph?flows=1'), bytes(b, '/api/graph?flows=1')]);
      assert.equal(x.status, 200);
      assert.ok(JSON.parse(x.text).edges.some((e: { flows?: unknown }) => e.flows), 'flows are drawn');
      assert.equal(x.text, y.text);
    } finally {
      await Promise.all([stop(a), stop(b)]);
    }
  });
});

describe('dashboard: worker faults and stopping', () => {
  it('a worker out of memory is a 500 in JSON and one line in the log, and the server goes on', async () => {
    // a worker heap far too small for the full workload graph of this cluster
    const s = await serve(['-f', cluster], { PODWALL_SERVE_WORKER_MB: '16' });
    try {
      for (let i = 1; i <= 2; i++) {
        const r = await bytes(s, '/api/graph?level=workload');
        assert.equal(r.status, 500);
        assert.match(JSON.parse(r.text).error, /internal error/);
        const lines = s.stderr().split('\n').filter((l) => l.includes('/api/graph?level=workload'));
        assert.equal(lines.length, i, `one line per failed question (not kept: asked again, computed again):\n${s.stderr()}`);
        assert.match(lines[i - 1]!, /^podwall: request \/api\/graph\?level=workload failed: the dashboard's worker thread stopped \(ERR_WORKER_OUT_OF_MEMORY/);
      }
      assert.equal((await bytes(s, '/api/summary')).status, 200, 'the server still answers');
      assert.doesNotMatch(s.stderr(), /\n\s+at /, 'no stack trace');
    } finally {
      await stop(s);
    }
    const { code, signal } = await s.exited;
    assert.equal(code, 0, `signal ${signal}`);
  });

  it('a signal while the worker loads (before the server listens) stops the start', { timeout: 180_000 }, async () => {
    const s = start(['-f', cluster, '--metrics', '127.0.0.1:0']);
    // the metrics listen (and take signals) before the worker has loaded the model
    await s.said(/metrics on http/);
    s.child.kill('SIGTERM');
    assert.equal((await s.exited).code, 0, s.stderr());
  });

  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    it(`${sig} stops the server while a worker computes`, async () => {
      const s = await serve(['-f', cluster]);
      const asked = fetch(s.origin + '/api/graph?level=workload').then(
        (r) => `answered ${r.status}`,
        () => 'connection closed',
      );
      // the question has reached the server (it answers the next one) before the signal
      assert.equal((await bytes(s, '/api/summary')).status, 200);
      s.child.kill(sig);
      const { code } = await s.exited;
      assert.equal(code, 0, s.stderr());
      assert.match(await asked, /connection closed|answered 503/);
      assert.doesNotMatch(s.stderr(), /\n\s+at |failed/);
    });
  }
});
