// The dashboard's JSON API through real HTTP against `podwall serve` (the page itself is test/web/dashboard.test.ts).
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { N1, np, ns, pod as eksPod } from '../eks/fixtures.js';
import { FakeApiServer, NETWORK_POLICIES_PATH } from '../fixtures/apiserver.js';
import { podwall } from '../helpers.js';
import { killAll, serve, stop, type Served } from './serve-process.js';

after(killAll);

async function get(s: Served, path: string): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  // a kept-alive connection the server closed while this process was blocked running the CLI (over its
  // 5 s keep-alive) fails at once: a browser retries such a GET, and so does this
  const r = await fetch(s.origin + path).catch(() => fetch(s.origin + path));
  return { status: r.status, body: await r.json() };
}

const dir = mkdtempSync(join(tmpdir(), 'podwall-api-'));

describe('dashboard API on files (examples/shop)', () => {
  let spec: Served;
  let eks: Served;
  before(async () => {
    spec = await serve(['-f', 'examples/shop', '--dataplane', 'kubernetes']);
    eks = await serve(['-f', 'examples/shop']);
  });
  after(async () => {
    await stop(spec);
    await stop(eks);
  });

  it('summary: the data plane, no proposal, no flows, not live, and the cluster the history is scoped to', async () => {
    const { body } = await get(spec, '/api/summary');
    assert.equal(body.dataplane.name, 'kubernetes');
    assert.equal(body.hasProposed, false);
    assert.equal(body.hasFlows, false);
    assert.equal(body.live, false);
    assert.equal(body.cluster, 'examples/shop');
    assert.equal(body.clusterSource, 'files');
    const e = (await get(eks, '/api/summary')).body;
    assert.equal(e.dataplane.name, 'eks', 'eks is the default data plane, as for explain');
    assert.match(e.dataplane.version, /^v\d/);
  });

  it('graph: verdicts are allowed or partial only, every node has a group, peers outside in both directions', async () => {
    const { body } = await get(spec, '/api/graph');
    assert.equal(body.level, 'workload');
    assert.ok(body.edges.length > 0);
    for (const e of body.edges) assert.ok(e.verdict === 'allowed' || e.verdict === 'partial', `${e.from} -> ${e.to}: ${e.verdict}`);
    const ids = new Map(body.nodes.map((n: { id: string; group: string; kind: string }) => [n.id, n]));
    for (const n of ids.values() as Iterable<{ id: string; group: string; kind: string }>) assert.ok(n.group, `${n.id} has a group`);
    const outside = (id: string): boolean => (ids.get(id) as { kind: string } | undefined)?.kind === 'Outside';
    assert.ok(body.edges.some((e: { from: string }) => outside(e.from)), 'an edge from a peer outside into the cluster');
    assert.ok(body.edges.some((e: { to: string }) => outside(e.to)), 'an edge from the cluster to a peer outside');
    for (const e of body.edges) assert.ok(ids.has(e.from) && ids.has(e.to), `both ends of ${e.id} are nodes`);
    for (const n of ids.values() as Iterable<{ id: string; group: string; kind: string }>) if (n.kind === 'Outside') assert.equal(n.group, '(outside)');
    const folded = (await get(spec, '/api/graph?level=namespace')).body;
    assert.equal(folded.level, 'namespace');
    assert.match(folded.folded.reason, /request/);
    assert.equal((await get(spec, '/api/graph?level=pods')).status, 400);
  });

  it('explain answers on the served data plane, as the CLI does', async () => {
    for (const [s, plane] of [[spec, 'kubernetes'], [eks, 'eks']] as const) {
      const { status, body } = await get(s, '/api/explain?from=shop/storefront&to=shop/api&port=8080');
      assert.equal(status, 200);
      assert.equal(body.dataplane, plane);
      const cli = podwall(['explain', '-f', 'examples/shop', '--from', 'shop/storefront', '--to', 'shop/api', '--port', '8080', '--dataplane', plane]);
      assert.equal(body.text, cli.stdout, `the ${plane} explanation is the CLI's`);
    }
  });

  it('denied: what a workload cannot reach and what cannot reach it, with the deciding policy; outside peers included', async () => {
    const { status, body } = await get(spec, '/api/denied?workload=shop/api');
    assert.equal(status, 200);
    assert.ok(body.edges.length > 0);
    for (const e of body.edges) assert.ok(e.from === 'shop/api' || e.to === 'shop/api');
    assert.ok(body.edges.some((e: { direction: string }) => e.direction === 'egress') && body.edges.some((e: { direction: string }) => e.direction === 'ingress'));
    const internet = body.edges.find((e: { to: string }) => e.to.startsWith('internet'));
    assert.ok(internet, 'denied toward the internet');
    assert.equal(internet.reason.side, 'egress');
    assert.match(internet.reason.policy, /default-deny/);
    // nothing the graph draws as allowed on every port is listed as denied on those ports
    const graph = (await get(spec, '/api/graph')).body;
    for (const d of body.edges) {
      const g = graph.edges.find((e: { from: string; to: string }) => e.from === d.from && e.to === d.to);
      if (!g || d.verdict !== 'denied') continue;
      for (const r of d.ports) {
        for (const p of g.ports) assert.ok(p.protocol !== r.protocol || p.to < r.from || p.from > r.to, `${d.from} -> ${d.to} ${r.protocol} ${r.from}-${r.to} is both denied and allowed`);
      }
    }
    assert.equal((await get(spec, '/api/denied?workload=shop/nope')).status, 404);
    assert.equal((await get(spec, '/api/denied')).status, 400);
  });

  it('without --proposed or --flows, those views say so in JSON (the page does not ask: hasProposed=false)', async () => {
    for (const p of ['/api/diff', '/api/flows', '/api/events', '/api/graph?diff=1', '/api/graph?flows=1']) {
      const r = await get(spec, p);
      assert.equal(r.status, 404, p);
      assert.ok(typeof r.body.error === 'string' && r.body.error.length > 0, p);
    }
  });

  it('audit: KPI tiles with labels and help, findings grouped by check and severity with file:line, remedy and fix', async () => {
    const { body } = await get(spec, '/api/audit');
    assert.ok(body.kpis.length > 5);
    for (const k of body.kpis) assert.ok(k.label && k.help && k.unit, k.id);
    const raw = (await get(spec, '/api/audit?raw=1')).body;
    assert.equal(body.groups.reduce((n: number, g: { count: number }) => n + g.count, 0), raw.findings.length, 'every finding is in a group');
    const keys = body.groups.map((g: { check: string; severity: string }) => `${g.check}/${g.severity}`);
    assert.equal(new Set(keys).size, keys.length, 'one group per check and severity');
    const withFile = body.groups.flatMap((g: { findings: { file?: string; line?: number }[] }) => g.findings).filter((f: { file?: string; line?: number }) => f.file && f.line);
    assert.ok(withFile.length > 0, 'findings carry file:line');
    for (const g of body.groups) for (const f of g.findings) assert.ok(f.object && f.message && f.remedy);
  });
});

describe('dashboard API: bad flags and inputs', () => {
  it('says what is wrong, exits 2, and serves nothing', () => {
    for (const [args, message] of [
      [['--flows', join(dir, 'no-such-logs')], /no-such-logs: error: no such file or directory/],
      [['--dataplane', 'cilium'], /--dataplane must be eks or kubernetes/],
      [['--config', join(dir, 'no-such.yaml')], /no-such\.yaml/],
      [['--interval', 'soon'], /--interval/],
    ] as const) {
      const r = podwall(['serve', '-f', 'examples/shop', '--port', '0', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /serving on|\n\s+at /);
    }
  });
});

describe('dashboard API: --config, --addon-config, --proposed, history scope', () => {
  it('serve --config and --addon-config change the audit view as they change `podwall audit`', async () => {
    const cfg = join(dir, 'podwall.yaml');
    const first = JSON.parse(podwall(['audit', '-f', 'examples/shop', '-o', 'json']).stdout).findings[0].check as string;
    writeFileSync(cfg, `disabled: [${first}]\n`);
    const cli = JSON.parse(podwall(['audit', '-f', 'examples/shop', '--config', cfg, '-o', 'json']).stdout);
    const addon = join(dir, 'addon.json');
    writeFileSync(addon, JSON.stringify({ addon: { addonName: 'vpc-cni', configurationValues: JSON.stringify({ enableNetworkPolicy: 'false' }) } }));
    const s = await serve(['-f', 'examples/shop', '--config', cfg, '--addon-config', addon]);
    try {
      const { body } = await get(s, '/api/audit');
      assert.ok(!body.groups.some((g: { check: string }) => g.check === first), `${first} is disabled`);
      const raw = (await get(s, '/api/audit?raw=1')).body;
      assert.equal(raw.findings.filter((f: { check: string }) => f.check !== 'enforcement-disabled').length, cli.findings.filter((f: { check: string }) => f.check !== 'enforcement-disabled').length);
      assert.equal(body.kpis.find((k: { id: string }) => k.id === 'enforcement').value, 'disabled', 'the add-on config says enforcement is off');
    } finally {
      await stop(s);
    }
  });

  it('diff: each change with both explanations and both verdicts', async () => {
    const proposed = join(dir, 'proposed.yaml');
    writeFileSync(proposed, 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny, namespace: monitoring}\nspec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n');
    const s = await serve(['-f', 'examples/shop', '--proposed', proposed, '--dataplane', 'kubernetes']);
    try {
      assert.equal((await get(s, '/api/summary')).body.hasProposed, true);
      const { body } = await get(s, '/api/diff');
      assert.ok(body.newlyDenied > 0);
      for (const c of body.changes) {
        assert.ok(c.before.text && c.after.text);
        if (c.change === 'newly-denied') {
          assert.notEqual(c.before.verdict, 'denied', `${c.from} -> ${c.to} was not denied before`);
          assert.ok(c.after.verdict === 'denied' || c.after.verdict === 'partial');
        }
      }
      const g = (await get(s, '/api/graph?diff=1')).body;
      const removed = g.edges.filter((e: { change?: string }) => e.change === 'removed');
      assert.equal(removed.length, body.newlyDenied, 'each closed connection is drawn');
      assert.ok(removed.every((e: { from: string; to: string }) => e.from.startsWith('monitoring/') || e.to.startsWith('monitoring/')));
    } finally {
      await stop(s);
    }
  });

  it('history: only the runs recorded for the served cluster, and the summary says how they were chosen', async () => {
    const db = join(dir, 'history.db');
    podwall(['audit', '-f', 'test/fixtures/audit/cluster.yaml', '--record', '--db', db]);
    podwall(['audit', '-f', 'examples/shop', '--record', '--db', db]);
    podwall(['audit', '-f', 'examples/shop', '--record', '--db', db]);
    const s = await serve(['-f', './examples/shop/', '--db', db]);
    const named = await serve(['-f', 'examples/shop', '--db', db, '--cluster-name', 'prod']);
    try {
      const h = (await get(s, '/api/history')).body;
      assert.equal(h.runs.length, 2);
      assert.ok(h.runs.every((r: { label: string }) => r.label === 'examples/shop'));
      assert.match((await get(s, '/api/summary')).body.scopeNote, /examples\/shop/);
      const n = (await get(named, '/api/history')).body;
      assert.equal(n.clusterSource, 'flag');
      assert.equal(n.runs.length, 0, 'nothing was recorded for cluster prod');
    } finally {
      await stop(s);
      await stop(named);
    }
  });
});

describe('dashboard API: the EKS data plane on the graph', () => {
  it('marks the ports where EKS and the specification disagree, and explains on EKS as the CLI does', async () => {
    // a named ingress port resolves per pod under the specification; EKS opens the union on every selected pod
    const f = join(dir, 'named-port.yaml');
    writeFileSync(f, ns('a') + N1 + eksPod('a', 'web', { app: 'web' }, '10.1.0.1') + eksPod('a', 'api', { app: 'web' }, '10.1.0.2', { ports: '[{containerPort: 9090, name: http}]' }) + eksPod('a', 'client', { app: 'c' }, '10.1.0.3') + np('a', 'p', 'podSelector: {matchLabels: {app: web}}\ningress: [{ports: [{port: http}]}]'));
    const s = await serve(['-f', f]);
    const k = await serve(['-f', f, '--dataplane', 'kubernetes']);
    try {
      const g = (await get(s, '/api/graph')).body;
      assert.equal(g.dataplane, 'eks');
      const e = g.edges.find((x: { from: string; to: string }) => x.from === 'a/client' && x.to === 'a/web');
      assert.deepEqual(e.ports.map((p: { from: number }) => p.from), [8080, 9090], 'EKS opens both targets');
      assert.deepEqual(e.eks, [{ ports: [{ protocol: 'TCP', from: 9090, to: 9090 }], other: 'denied', mechanisms: ['ingress-named-port-union'] }]);
      const spec = (await get(k, '/api/graph')).body.edges.find((x: { from: string; to: string }) => x.from === 'a/client' && x.to === 'a/web');
      assert.deepEqual(spec.ports.map((p: { from: number }) => p.from), [8080], 'the specification opens the pod\'s own port');
      assert.equal(spec.eks, undefined, 'the specification graph carries no EKS marks');
      const ex = (await get(s, '/api/explain?from=a/client&to=a/web&port=9090')).body;
      assert.equal(ex.text, podwall(['explain', '-f', f, '--from', 'a/client', '--to', 'a/web', '--port', '9090']).stdout);
      assert.equal(ex.verdict.allowed, true);
    } finally {
      await stop(s);
      await stop(k);
    }
  });
});

describe('dashboard API: flows on the graph', () => {
  it('observed counts per pair, denied attempts without a policy path, the top flows and the deciding policy', async () => {
    const s = await serve(['-f', 'test/fixtures/flows/cluster.yaml', '--flows', 'test/fixtures/flows/logs', '--dataplane', 'kubernetes']);
    try {
      assert.equal((await get(s, '/api/summary')).body.hasFlows, true);
      const { body } = await get(s, '/api/flows');
      assert.ok(body.edges.length > 0);
      assert.ok(body.window.from && body.window.to);
      const denied = body.edges.find((e: { denied: number; policyPath: boolean }) => e.denied > 0 && !e.policyPath);
      assert.ok(denied, 'a denied attempt with no policy path');
      const g = (await get(s, '/api/graph?flows=1')).body;
      const drawn = g.edges.find((e: { from: string; to: string; flows?: unknown }) => e.from === denied.from && e.to === denied.to && e.flows);
      assert.ok(drawn, `${denied.from} -> ${denied.to} is drawn with its counts`);
      assert.equal(drawn.flows.denied, denied.denied);
      const edge = (await get(s, `/api/flows/edge?from=${encodeURIComponent(denied.from)}&to=${encodeURIComponent(denied.to)}`)).body;
      assert.ok(edge.top.length > 0);
      assert.equal(edge.top.reduce((n: number, t: { count: number }) => n + t.count, 0), denied.allowed + denied.denied);
      assert.ok(edge.deciding.policy, 'the deciding policy is named');
      assert.equal((await get(s, '/api/flows/edge?from=a&to=b')).status, 404);
    } finally {
      await stop(s);
    }
  });
});

/** Reads server-sent events until `until` says enough, or the time is up. */
function events(origin: string, until: (events: { event: string; data: any }[]) => boolean, ms = 30_000): Promise<{ event: string; data: any }[]> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return new Promise((resolve, reject) => {
    const got: { event: string; data: unknown }[] = [];
    const req = request(`${origin}/api/events`, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
      assert.match(String(res.headers['content-type']), /text\/event-stream/);
      assert.equal(res.headers['cache-control'], 'no-store');
      let buf = '';
      res.on('data', (d) => {
        buf += d;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) got.push({ event, data: JSON.parse(data) });
        }
        if (until(got)) {
          req.destroy();
          resolve(got);
        }
      });
    });
    req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
    req.setTimeout(ms, () => {
      req.destroy();
      reject(new Error(`timed out; events so far: ${JSON.stringify(got)}`));
    });
    req.end();
  });
}

describe('dashboard API: live updates of a watched cluster (stand-in API server)', () => {
  const api = new FakeApiServer();
  const NETPOL = NETWORK_POLICIES_PATH;
  let s: Served;
  before(async () => {
    await api.start();
    api.putTwoPodApp();
    api.withoutPolicyCrds();
    s = await serve(['--kubeconfig', api.kubeconfig(), '--interval', '100ms']);
  });
  after(async () => {
    await stop(s);
    await api.close();
  });

  it('pushes the policy change and the connections it closed, with the time; answers are recomputed', async () => {
    const summary = (await get(s, '/api/summary')).body;
    assert.equal(summary.live, true);
    assert.equal(summary.clusterSource, 'context');
    assert.equal(summary.cluster, 'fake');
    const beforeGraph = (await get(s, '/api/graph')).body;
    assert.ok(beforeGraph.edges.some((e: { from: string; to: string }) => e.from === 'app/web' && e.to === 'app/api'));
    const stream = events(s.origin, (got) => got.some((e) => e.event === 'change' && e.data.policies.length > 0));
    await new Promise((r) => setTimeout(r, 300));
    api.put(NETPOL, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny-api', namespace: 'app' }, spec: { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Ingress'] } });
    const got = await stream;
    assert.equal(got[0]!.event, 'hello');
    const change = got.find((e) => e.event === 'change' && e.data.policies.length > 0)!.data;
    assert.deepEqual(change.policies, [{ kind: 'NetworkPolicy', namespace: 'app', name: 'deny-api', action: 'added' }]);
    assert.ok(!Number.isNaN(Date.parse(change.at)));
    assert.ok(change.closed.some((c: { from: string; to: string }) => c.from === 'app/web' && c.to === 'app/api'), JSON.stringify(change.closed));
    const afterGraph = (await get(s, '/api/graph')).body;
    assert.ok(!afterGraph.edges.some((e: { from: string; to: string }) => e.from === 'app/web' && e.to === 'app/api'), 'the cached graph was dropped');
  });

  it('bounds the event streams: one more than the limit is refused with 503, and a closed one frees its place', async () => {
    const open: ReturnType<typeof request>[] = [];
    const connect = (): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = request(`${s.origin}/api/events`, (res) => {
          resolve(res.statusCode ?? 0);
          if (res.statusCode !== 200) res.resume();
        });
        req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
        req.end();
        open.push(req);
      });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 16; i++) statuses.push(await connect());
      assert.deepEqual(statuses, Array(16).fill(200));
      assert.equal(await connect(), 503);
      open[0]!.destroy();
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(await connect(), 200, 'a closed stream frees its place');
      // the JSON API still answers beside the streams
      assert.equal((await get(s, '/api/summary')).status, 200);
    } finally {
      for (const r of open) r.destroy();
    }
  });

  it('the event stream passes the Host check', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${s.origin}/api/events`, { headers: { host: 'evil.example:80' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 421);
  });
});
