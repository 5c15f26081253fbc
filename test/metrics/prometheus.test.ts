// The metrics as Prometheus sees them: Debian's prometheus scrapes `podwall serve --metrics` and
// `podwall watch --metrics` on 127.0.0.1, and PromQL over its HTTP API returns podwall's own figures.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeApiServer } from '../fixtures/apiserver.js';
import { podwall, ROOT } from '../helpers.js';

const PROMETHEUS = '/usr/bin/prometheus';

/** Installs Debian's prometheus when missing (root only); never downloads a binary of its own. */
function ensurePrometheus(): string | undefined {
  if (existsSync(PROMETHEUS)) return undefined;
  if (process.getuid?.() !== 0) return 'Prometheus is not installed and this is not root: apt-get install prometheus';
  try {
    execFileSync('apt-get', ['update'], { stdio: 'ignore', timeout: 300_000 });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'prometheus'], { stdio: 'ignore', timeout: 600_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (e) {
    return `Prometheus could not be installed with apt-get (${(e as Error).message.split('\n')[0]})`;
  }
  return existsSync(PROMETHEUS) ? undefined : `apt-get ran but ${PROMETHEUS} is still missing`;
}

const FLOWS = ['flows', 'summary', 'test/fixtures/flows/logs', '--snapshot', 'test/fixtures/flows/before.yaml', '--snapshot', 'test/fixtures/flows/cluster.yaml@2026-11-20T00:00:00Z'];
/** The hand-made incident timeline (test/cli/incidents.test.ts): recorded too, so the incident series have data. */
const INCIDENT_TIMELINE = ['--snapshot', 'test/fixtures/incidents/before.yaml', '--snapshot', 'test/fixtures/incidents/after.yaml@2026-11-20T10:00:00Z', '--snapshot', 'test/fixtures/incidents/fixed.yaml@2026-11-20T11:00:00Z'];
const INCIDENT_FLOWS = ['flows', 'summary', 'test/fixtures/incidents/logs', ...INCIDENT_TIMELINE];

/** Starts a long-running podwall and resolves with its metrics port, read from what it prints. */
function startPodwall(args: string[], stdout?: (line: string) => void): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'podwall.js'), ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
    let i;
    while ((i = out.indexOf('\n')) >= 0) {
      stdout?.(out.slice(0, i));
      out = out.slice(i + 1);
    }
  });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d) => {
      err += d;
      const m = /metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(err);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`podwall ${args[0]} exited ${code}: ${err}`)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise((r) => child.on('close', r));
  child.kill('SIGTERM');
  await closed;
}

describe('--metrics on the command line', () => {
  // serve takes --cluster-name alone too: it names the cluster the dashboard's history is scoped to (test/web/api.test.ts)
  it('rejects an address it cannot use with exit 2', () => {
    const bad = podwall(['serve', '-f', 'examples/shop', '--metrics', 'localhost']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--metrics "localhost": expected HOST:PORT/);
  });
});

const skip = ensurePrometheus();
if (skip) console.log(`# Prometheus test skipped: ${skip}`);

describe('a real Prometheus scraping podwall', { skip: skip ?? false }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'podwall-prom-'));
  const db = join(dir, 'history.db');
  const api = new FakeApiServer();
  let serve: ChildProcess | undefined;
  let watch: ChildProcess | undefined;
  let prometheus: ChildProcess | undefined;
  let promLog = '';
  let origin = '';
  const watchEvents: Record<string, unknown>[] = [];

  const query = async (promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> => {
    const res = await fetch(`${origin}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    assert.equal(body.status, 'success', JSON.stringify(body));
    return body.data.result;
  };
  const one = async (promql: string): Promise<number> => {
    const r = await query(promql);
    assert.equal(r.length, 1, `${promql}: ${JSON.stringify(r)}`);
    return Number(r[0]!.value[1]);
  };

  before(async () => {
    // recorded flows for the counters, then podwall serve (files) and podwall watch (a live cluster)
    assert.equal(podwall([...FLOWS, '--record', '--db', db]).code, 0);
    assert.equal(podwall([...INCIDENT_FLOWS, '--record', '--db', db]).code, 0);
    // recorded last, for another cluster: shop-test's series must neither sum it nor take it as the latest
    assert.equal(podwall([...FLOWS, '--record', '--db', db, '--cluster-name', 'another-cluster']).code, 0);
    const s = await startPodwall(['serve', '-f', 'examples/shop', '--port', '0', '--db', db, '--metrics', '127.0.0.1:0', '--cluster-name', 'shop-test']);
    serve = s.child;
    await api.start();
    api.put('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'api-1', namespace: 'shop', labels: { app: 'api' } }, spec: { containers: [{ name: 'c', image: 'x' }] }, status: { podIP: '10.0.1.11' } };
    api.put('/api/v1/pods', pod);
    api.put('/apis/networking.k8s.io/v1/networkpolicies', { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny', namespace: 'shop' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } });
    const w = await startPodwall(['watch', '--kubeconfig', api.kubeconfig(), '--interval', '200ms', '--db', join(dir, 'none.db'), '--metrics', '127.0.0.1:0'], (l) => watchEvents.push(JSON.parse(l)));
    watch = w.child;

    const config = join(dir, 'prometheus.yml');
    writeFileSync(config, `global: {scrape_interval: 1s, evaluation_interval: 1s}\nscrape_configs:\n  - job_name: podwall\n    static_configs: [{targets: ['127.0.0.1:${s.port}', '127.0.0.1:${w.port}']}]\n`);
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    // local only: no remote write receiver, no admin or lifecycle API, storage in the temp dir
    prometheus = spawn(PROMETHEUS, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=1h', '--log.level=warn'], { cwd: dir });
    prometheus.stderr!.on('data', (d) => (promLog += d));
    const end = Date.now() + 90_000;
    for (;;) {
      const up = await query('up{job="podwall"} == 1').catch(() => []);
      if (up.length === 2) break;
      if (Date.now() > end) throw new Error(`Prometheus did not scrape both podwalls within 90 s; its log: ${promLog.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  });

  after(async () => {
    await Promise.all([stop(prometheus), stop(serve), stop(watch)]);
    api.close();
  });

  it('holds the audit KPIs of `podwall audit`, labelled with --cluster-name', async () => {
    const audit = JSON.parse(podwall(['audit', '-f', 'examples/shop', '-o', 'json']).stdout);
    const k = audit.kpis;
    assert.equal(await one('podwall_default_deny_coverage_ratio{cluster="shop-test",direction="egress"}'), k.defaultDenyEgress);
    assert.equal(await one('podwall_default_deny_coverage_ratio{cluster="shop-test",direction="ingress"}'), k.defaultDenyIngress);
    assert.equal(await one('podwall_pods_isolated_ratio{cluster="shop-test",direction="egress"}'), k.podsIsolatedEgress);
    assert.equal(await one('podwall_cis_score{cluster="shop-test"}'), k.cisScore);
    assert.equal(await one('sum(podwall_policies{cluster="shop-test"})'), k.policies);
    assert.equal(await one('podwall_policies{cluster="shop-test",kind="NetworkPolicy"}'), k.policiesByKind.NetworkPolicy);
    for (const severity of ['error', 'warning', 'info']) assert.equal(await one(`podwall_findings{cluster="shop-test",severity="${severity}"}`), k.findings[severity], severity);
    assert.equal(await one(`podwall_enforcement{cluster="shop-test",state="${k.enforcement}"}`), 1);
    assert.equal(await one('sum(podwall_enforcement{cluster="shop-test"})'), 1, 'one state at a time');
  });

  it('counts the recorded flows as counters: blocked attempts in total and per namespace', async () => {
    const summary = JSON.parse(podwall([...FLOWS, '-o', 'json']).stdout).summary;
    // recorded second: its blocked-per-week is the latest, its counts add to the first's
    const second = JSON.parse(podwall([...INCIDENT_FLOWS, '-o', 'json']).stdout).summary;
    assert.ok(summary.denied > 0, 'the fixture has denied flows');
    assert.equal(await one('podwall_flows_denied_total{cluster="shop-test"}'), summary.denied + second.denied);
    assert.equal(await one('podwall_flows_allowed_total{cluster="shop-test"}'), summary.allowed + second.allowed);
    assert.equal(await one('sum(podwall_flows_denied_by_namespace_total{cluster="shop-test"})'), summary.denied + second.denied);
    const perNs = await query('podwall_flows_denied_by_namespace_total{cluster="shop-test"}');
    const expected: Record<string, number> = { ...summary.by.namespace };
    for (const [ns, n] of Object.entries(second.by.namespace as Record<string, number>)) expected[ns] = (expected[ns] ?? 0) + n;
    assert.deepEqual(Object.fromEntries(perNs.map((r) => [r.metric.namespace, Number(r.value[1])])), expected);
    assert.equal(await one('podwall_flows_blocked_per_week{cluster="shop-test"}'), second.blockedPerWeek);
  });

  it('holds the incident figures of `podwall incidents -o json` for the recorded flow summaries (count, open, resolved, MTTR)', async () => {
    const inc = JSON.parse(podwall(['incidents', 'test/fixtures/incidents/logs', ...INCIDENT_TIMELINE, '-o', 'json']).stdout).summary;
    const none = JSON.parse(podwall([...FLOWS, '-o', 'json']).stdout).summary.incidents;
    assert.equal(none.count, 0, 'the first recorded summary has no incident');
    assert.ok(inc.count >= 3 && inc.open >= 1 && inc.mttrMs > 0, JSON.stringify(inc));
    assert.equal(await one('podwall_incidents_opened_total{cluster="shop-test"}'), inc.count);
    assert.equal(await one('podwall_incidents_resolved_total{cluster="shop-test"}'), inc.closed);
    assert.equal(await one('podwall_incidents_open{cluster="shop-test"}'), inc.open);
    assert.equal(await one('podwall_incidents_mttr_seconds{cluster="shop-test"}'), inc.mttrMs / 1000);
    // the MTTR from the counters, as the dashboard and the alerts compute it over a range
    assert.equal(await one('podwall_incidents_resolution_seconds_total{cluster="shop-test"} / podwall_incidents_resolved_total{cluster="shop-test"}'), inc.mttrMs / 1000);
    // watch without --flows: its own series say nothing is checked, and no incident series pretends otherwise
    assert.equal(await one('podwall_flow_sources{cluster="fake"}'), 0);
    assert.deepEqual(await query('podwall_incidents_open{cluster="fake"}'), []);
  });

  it('labels watch with the kubeconfig context, shows its audit, and no flow series without recorded flows', async () => {
    const ready = watchEvents.find((e) => e.type === 'ready') as { kpis: { pods: number; defaultDenyIngress: number; findings: Record<string, number> } } | undefined;
    assert.ok(ready, 'watch printed its first audit');
    assert.equal(await one('podwall_pods{cluster="fake"}'), ready.kpis.pods);
    assert.equal(await one('podwall_default_deny_coverage_ratio{cluster="fake",direction="ingress"}'), ready.kpis.defaultDenyIngress);
    assert.equal(await one('podwall_findings{cluster="fake",severity="warning"}'), ready.kpis.findings.warning);
    assert.ok((await one('podwall_audits_total{cluster="fake"}')) >= 1);
    assert.deepEqual(await query('podwall_flows_denied_total{cluster="fake"}'), []);
  });

  it('the Grafana dashboard asks only for series podwall exposes, in PromQL Prometheus accepts, and each panel has data', async () => {
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy', 'grafana', 'podwall.json'), 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
    const names = new Set((await query('{__name__=~"podwall_.+"}')).map((r) => r.metric.__name__));
    assert.ok(dashboard.panels.length > 5);
    for (const panel of dashboard.panels) {
      for (const t of panel.targets) {
        for (const name of t.expr.match(/podwall_[a-z_]+/g) ?? []) assert.ok(names.has(name), `${panel.title}: ${name} is not a podwall series`);
        // increase() and rate() need two samples of a series in range: give the 1 s scrapes a few seconds (bounded)
        let r = await query(t.expr.replaceAll('$cluster', 'shop-test'));
        for (let i = 0; r.length === 0 && i < 15; i++) {
          await new Promise((done) => setTimeout(done, 1000));
          r = await query(t.expr.replaceAll('$cluster', 'shop-test'));
        }
        assert.ok(r.length > 0, `${panel.title}: ${t.expr} returned nothing`);
      }
    }
  });
});
