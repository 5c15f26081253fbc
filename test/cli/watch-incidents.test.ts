// watch --flows: a flow log the test appends to, a live cluster (the stand-in API server) whose
// policy changes block and let through a connection, and a stand-in webhook on 127.0.0.1.
// watch must tell each incident as it opens and as it closes, on stdout and to the webhook, serve
// the figures as metrics, and agree with `podwall incidents` run on the same log afterwards.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeApiServer } from '../fixtures/apiserver.js';
import { podwall, podwallAsync, ROOT } from '../helpers.js';

const api = new FakeApiServer();
const PODS = '/api/v1/pods';
const NETPOL = '/apis/networking.k8s.io/v1/networkpolicies';
const POD = (name: string, ip: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'app', labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80 }] }] }, status: { podIP: ip } });
const apiIn = (from: string, manager?: string) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'api-in', namespace: 'app', ...(manager ? { managedFields: [{ manager, operation: 'Update', time: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }] } : {}) },
  spec: { podSelector: { matchLabels: { app: 'api' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: from } } }] }] },
});
/** An agent log line (v1.3), as /var/log/aws-routed-eni/network-policy-agent.log holds them. */
const agentLine = (at: number, verdict: 'ACCEPT' | 'DENY'): string =>
  `{"level":"info","ts":"${new Date(at).toISOString()}","logger":"ebpf-client","msg":"Flow Info: Src IP: 10.0.2.1 Src Port: ${40000 + (at % 1000)} Dest IP: 10.0.2.2 Dest Port: 80 Proto TCP Verdict ${verdict} Direction ingress, Tier NETWORK_POLICY"}\n`;

type Event = { type: string; change?: string; incident?: Record<string, any> };

let hook: Server;
let hookUrl = '';
const hooked: Event[] = [];

before(async () => {
  await api.start();
  api.put('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } });
  api.put(PODS, POD('web', '10.0.2.1'));
  api.put(PODS, POD('api', '10.0.2.2'));
  api.put(NETPOL, apiIn('web'));
  api.withoutPolicyCrds();
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      hooked.push(...(JSON.parse(body) as { events: Event[] }).events);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`;
});
after(() => {
  api.close();
  hook.close();
});

describe('podwall watch --flows: incidents as they happen', () => {
  it('opens an incident when a policy change blocks a connection seen allowed, closes it on the revert or the next allowed flow, and tells the webhook', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-watchinc-'));
    const logs = join(dir, 'aws-routed-eni');
    mkdirSync(logs);
    const log = join(logs, 'network-policy-agent.log');
    const db = join(dir, 'h.db');
    const start = Date.now();
    // history before watch starts: the connection was allowed for an hour (legitimate); an
    // unrelated line the agent also writes is skipped
    writeFileSync(log, [60, 40, 20, 5].map((m) => agentLine(start - m * 60_000, 'ACCEPT')).join('') + '{"level":"info","ts":"2026-11-23T10:00:00Z","msg":"Starting the agent"}\n');
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'podwall.js'), 'watch', '--kubeconfig', api.kubeconfig(), '--interval', '100ms', '--flows', logs, '--webhook', hookUrl, '--record', '--db', db, '--metrics', '127.0.0.1:0'], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const events = (): Event[] => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Event);
    const incidents = (change: string): Event[] => events().filter((e) => e.type === 'incident' && e.change === change);
    const waitFor = async (what: string, test: () => boolean, ms = 20000): Promise<void> => {
      const end = Date.now() + ms;
      while (!test()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}; stdout: ${stdout}\nstderr: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const tcp = (change: string): number => events().filter((e) => e.type === 'connection' && e.change === change && (e as { protocol?: string }).protocol === 'TCP').length;
    const closedConnections = (): number => tcp('closed');
    let metrics = '';
    try {
      await waitFor('ready', () => stdout.includes('"type":"ready"') && api.watcherCount(NETPOL) > 0);
      const port = Number(/metrics on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)![1]);
      assert.deepEqual(events().filter((e) => e.type === 'incident'), [], 'an hour of allowed flows is no incident');

      // 1. the block, then denials: an incident naming the change; the revert ends it
      const blockedAt = Date.now();
      api.put(NETPOL, apiIn('nobody', 'kubectl-edit'));
      await waitFor('watch to see the block', () => closedConnections() === 1);
      appendFileSync(log, agentLine(Date.now(), 'DENY'));
      appendFileSync(log, agentLine(Date.now() + 1, 'DENY'));
      await waitFor('the incident to open', () => incidents('opened').length === 1);
      const opened = incidents('opened')[0]!.incident!;
      assert.equal(opened.connection, 'app/web -> app/api 80/TCP');
      assert.equal(opened.open, true);
      assert.ok(Date.parse(opened.cause.at) >= blockedAt && Date.parse(opened.cause.at) <= Date.parse(opened.start), 'the cause is the block, before the first denial');
      assert.deepEqual(opened.cause.objects.map((o: any) => [o.change, o.object, o.decisive, o.who.manager, o.recordedBy]), [['modified', 'NetworkPolicy app/api-in', true, 'kubectl-edit', 'kubectl-edit']]);
      assert.match(opened.cause.explanation.text, /ingress of app\/api denied/);
      assert.equal(opened.startFlow.file, log);
      assert.equal(opened.startFlow.line, 6);
      await new Promise((r) => setTimeout(r, 300));
      api.put(NETPOL, apiIn('web', 'argocd'));
      await waitFor('the revert to close it', () => incidents('closed').length === 1);
      const closed = incidents('closed')[0]!.incident!;
      assert.equal(closed.id, opened.id);
      assert.equal(closed.resolvedBy.kind, 'change');
      assert.equal(closed.open, false);
      assert.equal(closed.durationMs, Date.parse(closed.end) - Date.parse(closed.start));
      assert.ok(closed.durationMs >= 300, `${closed.durationMs} ms`);
      assert.equal(closed.flows.denied, 2);

      // 2. blocked again; this time the log says the traffic flows again before any revert (the
      // log is right whatever the model says), and the file was rotated in between
      await waitFor('watch to see the revert', () => tcp('opened') === 1);
      api.put(NETPOL, apiIn('nobody', 'helm'));
      await waitFor('watch to see the second block', () => closedConnections() === 2);
      renameSync(log, join(logs, 'network-policy-agent-rotated.log'));
      writeFileSync(log, agentLine(Date.now(), 'DENY'));
      await waitFor('the second incident to open', () => incidents('opened').length === 2);
      assert.equal(incidents('opened')[1]!.incident!.cause.objects[0].who.manager, 'helm');
      await new Promise((r) => setTimeout(r, 200));
      appendFileSync(log, agentLine(Date.now(), 'ACCEPT'));
      await waitFor('the allowed flow to close it', () => incidents('closed').length === 2);
      const second = incidents('closed')[1]!.incident!;
      assert.equal(second.resolvedBy.kind, 'allowed');
      assert.equal(second.resolvedBy.file, log);
      assert.equal(second.resolvedBy.line, 2);

      metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      await waitFor('the webhook to get all four', () => hooked.filter((e) => e.type === 'incident').length === 4);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('close', r));
    }
    assert.deepEqual(
      hooked.filter((e) => e.type === 'incident').map((e) => [e.change, e.incident!.id]),
      incidents('opened').flatMap((o) => [['opened', o.incident!.id], ['closed', o.incident!.id]]),
    );
    assert.doesNotMatch(stderr, /malformed|skipped,/, 'the agent\'s other lines are not flows, not faults');

    // the same log, read afterwards with the policy changes --record kept: the same incidents
    const cluster = join(dir, 'cluster.yaml');
    writeFileSync(cluster, [POD('web', '10.0.2.1'), POD('api', '10.0.2.2'), apiIn('web')].map((o) => JSON.stringify(o)).join('\n---\n'));
    const r = await podwallAsync(['incidents', logs, '--snapshot', `${cluster}@${new Date(start - 2 * 3_600_000).toISOString()}`, '--db', db, '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const offline = JSON.parse(r.stdout);
    const live = incidents('closed').map((e) => e.incident!);
    assert.deepEqual(
      offline.incidents.map((i: any) => [i.connection, i.start, i.end, i.durationMs, i.resolvedBy.kind, i.cause.at]),
      live.map((i) => [i.connection, i.start, i.end, i.durationMs, i.resolvedBy.kind, i.cause.at]),
    );
    const value = (name: string): number => Number(new RegExp(`^${name}\\{cluster="fake"\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
    assert.equal(value('podwall_incidents_opened_total'), offline.summary.count);
    assert.equal(value('podwall_incidents_resolved_total'), offline.summary.closed);
    assert.equal(value('podwall_incidents_open'), offline.summary.open);
    assert.equal(value('podwall_incidents_mttr_seconds'), offline.summary.mttrMs / 1000);
    assert.equal(value('podwall_flow_sources'), 1);
    assert.equal(value('podwall_policy_changes_total'), 3);
  });

  it('refuses a flow path that does not exist, before it reads the cluster', () => {
    const r = podwall(['watch', '--kubeconfig', api.kubeconfig(), '--flows', '/nonexistent/agent.log']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\/nonexistent\/agent.log: error: cannot follow: no such file or directory/);
  });
});
