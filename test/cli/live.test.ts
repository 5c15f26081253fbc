// Live clusters through the real client code, against the stand-in API server on 127.0.0.1.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeApiServer } from '../fixtures/apiserver.js';
import { podwallAsync, ROOT } from '../helpers.js';

const api = new FakeApiServer();
let kubeconfig = '';
const PODS = '/api/v1/pods';
const NETPOL = '/apis/networking.k8s.io/v1/networkpolicies';

function pod(ns: string, name: string, app: string, ip: string, port: number): Record<string, unknown> & { metadata: { name: string; namespace: string; labels: Record<string, string> } } {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: { app } },
    spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: port, name: 'http' }] }] },
    status: { podIP: ip },
  };
}

const netpol = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'shop' }, spec });

before(async () => {
  await api.start();
  kubeconfig = api.kubeconfig();
  for (const ns of ['shop', 'kube-system']) api.put('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  api.put(PODS, pod('shop', 'frontend-1', 'frontend', '10.0.1.10', 80));
  api.put(PODS, pod('shop', 'api-1', 'api', '10.0.1.11', 8080));
  api.put(PODS, pod('shop', 'db-0', 'db', '10.0.1.12', 5432));
  api.put(NETPOL, netpol('api-from-frontend', { podSelector: { matchLabels: { app: 'api' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'frontend' } } }] }] }));
  api.put('/apis/networking.k8s.aws/v1alpha1/clusternetworkpolicies', {
    apiVersion: 'networking.k8s.aws/v1alpha1',
    kind: 'ClusterNetworkPolicy',
    metadata: { name: 'protect-db' },
    spec: { tier: 'Admin', priority: 10, subject: { pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'db' } } } }, ingress: [{ action: 'Deny', from: [{ pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'frontend' } } } }] }] },
  });
  // the upstream policy CRDs are not installed in this cluster
  for (const p of ['adminnetworkpolicies', 'baselineadminnetworkpolicies']) api.missing.add(`/apis/policy.networking.k8s.io/v1alpha1/${p}`);
  api.missing.add('/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies');
  api.missing.add('/apis/networking.k8s.aws/v1alpha1/applicationnetworkpolicies');
});
after(() => api.close());

describe('reading a live cluster', () => {
  it('explains from the cluster, with every list paged', async () => {
    const r = await podwallAsync(['explain', '--from', 'shop/frontend-1', '--to', 'shop/db-0', '--port', '5432', '--kubeconfig', kubeconfig, '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const v = JSON.parse(r.stdout);
    assert.equal(v.allowed, false);
    assert.equal(v.ingress.steps[0].rule.name, 'protect-db', 'an EKS ClusterNetworkPolicy read from its CRD');
    assert.ok(api.requests.some((q) => q.startsWith(`GET ${PODS}?limit=500&continue=`)), 'the second page of pods was asked for');
  });

  it('uses the named context, and says so when it does not exist', async () => {
    assert.equal((await podwallAsync(['matrix', '--kubeconfig', kubeconfig, '--context', 'prod', '--port', '8080'])).code, 0);
    const bad = await podwallAsync(['matrix', '--kubeconfig', kubeconfig, '--context', 'staging']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /no context "staging" in the kubeconfig \(have: fake, prod\)/);
  });

  it('finds the kubeconfig through KUBECONFIG when no input is named', async () => {
    const r = await podwallAsync(['matrix', '--port', '8080', '-o', 'json'], { KUBECONFIG: kubeconfig });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(JSON.parse(r.stdout).edges.some((e: { from: string; to: string; allowed: boolean }) => e.from === 'shop/frontend-1' && e.to === 'shop/api-1' && e.allowed));
  });

  it('names the missing permission on 403', async () => {
    api.forbidden.add(NETPOL);
    try {
      const r = await podwallAsync(['matrix', '--kubeconfig', kubeconfig]);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /forbidden: podwall needs "list networkpolicies\.networking\.k8s\.io" at cluster scope/);
    } finally {
      api.forbidden.delete(NETPOL);
    }
  });

  it('combines files and the cluster: diff --context --to ./proposed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-live-diff-'));
    const proposed = join(dir, 'proposed.yaml');
    writeFileSync(proposed, 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: lockdown, namespace: shop}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n');
    const r = await podwallAsync(['diff', '--kubeconfig', kubeconfig, '--context', 'prod', '--to', proposed, '-o', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const changes = JSON.parse(r.stdout).changes.map((c: { from: string; to: string; change: string }) => `${c.change} ${c.from} -> ${c.to}`);
    // an overlay: the cluster's own policies stay, so what they allow (frontend -> api) stays allowed
    assert.ok(changes.includes('newly-denied shop/api-1 -> shop/frontend-1'), changes.join('\n'));
    assert.ok(!changes.some((c: string) => c.includes('shop/frontend-1 -> shop/api-1')), changes.join('\n'));
  });

  it('snapshot writes one YAML every command reads, stamped with its time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-snap-'));
    const file = join(dir, 'snap.yaml');
    const r = await podwallAsync(['snapshot', '--kubeconfig', kubeconfig, '-o', file]);
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /podwall\.io\/taken-at: "?\d{4}-\d\d-\d\dT/);
    assert.match(text, /kind: ClusterNetworkPolicy/);
    const offline = await podwallAsync(['explain', '--from', 'shop/frontend-1', '--to', 'shop/db-0', '--port', '5432', '-f', file, '-o', 'json']);
    assert.equal(offline.code, 0, offline.stderr);
    assert.equal(JSON.parse(offline.stdout).allowed, false, 'the same verdict offline');
  });
});

describe('podwall watch', () => {
  it('reports findings and connections as they change, survives drops, 410 Gone and unknown events, and POSTs to a webhook', async () => {
    const posted: unknown[] = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        posted.push(JSON.parse(body));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'podwall.js'), 'watch', '--kubeconfig', kubeconfig, '--interval', '100ms', '--webhook', `http://127.0.0.1:${(hook.address() as AddressInfo).port}/events`], { cwd: ROOT });
    const events: Record<string, unknown>[] = [];
    let stderr = '';
    let buffer = '';
    child.stdout.on('data', (d) => {
      buffer += d;
      let i;
      while ((i = buffer.indexOf('\n')) >= 0) {
        events.push(JSON.parse(buffer.slice(0, i)));
        buffer = buffer.slice(i + 1);
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    const waitFor = async (what: string, test: () => boolean, ms = 30000): Promise<void> => {
      const end = Date.now() + ms;
      while (!test()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(events).slice(0, 2000)}; stderr: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const connection = (change: string, from: string, to: string): boolean => events.some((e) => e.type === 'connection' && e.change === change && e.from === from && e.to === to);
    try {
      await waitFor('ready', () => events.some((e) => e.type === 'ready'));
      await waitFor('watches', () => api.watcherCount(NETPOL) > 0 && api.watcherCount(PODS) > 0);

      // a policy change closes a connection
      api.put(NETPOL, netpol('lock-frontend', { podSelector: { matchLabels: { app: 'frontend' } }, policyTypes: ['Ingress'] }));
      await waitFor('frontend closed', () => connection('closed', 'shop/api-1', 'shop/frontend-1'));

      // an event podwall does not know, then a dropped connection: it resumes from the last resourceVersion
      api.send(NETPOL, 'SURPRISE', { hello: 'world' });
      api.bookmark(NETPOL);
      await waitFor('the unknown event noticed', () => /ignored an event of unknown type "SURPRISE"/.test(stderr));
      api.dropWatches();
      api.remove(NETPOL, 'shop', 'lock-frontend');
      await waitFor('frontend reopened after the drop', () => connection('opened', 'shop/api-1', 'shop/frontend-1'));

      // history compacted while disconnected: 410 Gone, relist, and the change is still seen
      await waitFor('watches back', () => api.watcherCount(PODS) > 0);
      api.compact();
      api.dropWatches();
      api.put(PODS, pod('shop', 'worker-1', 'worker', '10.0.1.13', 9000));
      await waitFor('the new pod', () => connection('opened', 'shop/frontend-1', 'shop/worker-1'));
      assert.match(stderr, /resourceVersion expired \(410 Gone\); listing again/);
      assert.ok(events.some((e) => e.type === 'finding' && e.change === 'new'), 'new findings are reported');
      await waitFor('webhook', () => posted.length >= 3);
      assert.ok((posted[0] as { events: unknown[] }).events.length > 0);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('close', r));
      hook.close();
    }
  });
});
