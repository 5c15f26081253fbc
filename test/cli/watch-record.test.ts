// watch --record writes the policy changes of a live cluster (the stand-in API server) into the
// history database, through watch events and through a relist after 410 Gone; incidents --db uses them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeApiServer } from '../fixtures/apiserver.js';
import { podwallAsync, ROOT } from '../helpers.js';
import { HistoryStore } from '../../src/store/history.js';

const api = new FakeApiServer();
const PODS = '/api/v1/pods';
const NETPOL = '/apis/networking.k8s.io/v1/networkpolicies';
const POD_YAML = (name: string, ip: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'app', labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80 }] }] }, status: { podIP: ip } });
const apiIn = (from: string, manager?: string) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'api-in', namespace: 'app', ...(manager ? { managedFields: [{ manager, operation: 'Update', time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), fieldsV1: { 'f:spec': {} } }] } : {}) },
  spec: { podSelector: { matchLabels: { app: 'api' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: from } } }] }] },
});

before(async () => {
  await api.start();
  api.put('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } });
  api.put(PODS, POD_YAML('web', '10.0.2.1'));
  api.put(PODS, POD_YAML('api', '10.0.2.2'));
  api.put(NETPOL, apiIn('web'));
  api.withoutPolicyCrds();
});
after(() => api.close());

describe('podwall watch --record: policy changes', () => {
  it('records a baseline, each change with its manager (also one found by a relist), and incidents --db names it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-watchrec-'));
    const db = join(dir, 'h.db');
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'podwall.js'), 'watch', '--kubeconfig', api.kubeconfig(), '--interval', '100ms', '--record', '--db', db], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const waitFor = async (what: string, test: () => boolean, ms = 20000): Promise<void> => {
      const end = Date.now() + ms;
      while (!test()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}; stderr: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const changes = () => {
      const s = new HistoryStore(db);
      try {
        return s.policyChanges();
      } finally {
        s.close();
      }
    };
    try {
      await waitFor('ready', () => stdout.includes('"type":"ready"'));
      await waitFor('the netpol watch', () => api.watcherCount(NETPOL) > 0);
      api.put(NETPOL, { ...apiIn('web'), status: { note: 'a status-only update is not a change' } } as never);
      api.put(NETPOL, apiIn('nobody', 'kubectl-edit'));
      await waitFor('the block recorded', () => changes().some((c) => c.change === 'modified'));
      // the watch is gone and history compacted: the revert is found by the relist
      api.compact();
      api.dropWatches();
      api.put(NETPOL, apiIn('web', 'argocd-controller'));
      await waitFor('the revert recorded', () => changes().filter((c) => c.change === 'modified').length === 2);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('close', r));
    }
    assert.match(stderr, /410 Gone\); listing again/, 'the revert came through a relist');
    const rows = changes();
    assert.deepEqual(rows.map((r) => `${r.change} ${r.kind} ${r.name} ${r.manager ?? '-'}`), ['baseline   -', 'listed NetworkPolicy api-in -', 'modified NetworkPolicy api-in kubectl-edit', 'modified NetworkPolicy api-in argocd-controller']);
    assert.equal((rows[2]!.object as { metadata: { managedFields: Record<string, unknown>[] } }).metadata.managedFields[0]!.fieldsV1, undefined, 'field sets are not stored');
    // every row names the cluster (the kubeconfig context), as serve and history scope by it
    const store = new HistoryStore(db);
    try {
      const runs = store.runs(100);
      assert.ok(runs.length > 0);
      for (const r of runs) assert.equal(`cluster:${r.cluster}`, r.label, 'a re-audit is recorded for the watched context');
      assert.equal(store.policyChanges(runs[0]!.cluster).length, rows.length, 'the policy changes are the context\'s');
      assert.equal(store.policyChanges('another-cluster').length, 0);
    } finally {
      store.close();
    }

    // flows around the recorded times: web was allowed for an hour, denied after the block
    const [blockAt, revertAt] = [rows[2]!.at, rows[3]!.at];
    const iso = (ms: number): string => new Date(ms).toISOString();
    const log = join(dir, 'flows.csv');
    const allowed = [60, 40, 20, 5].map((m) => `${iso(blockAt - m * 60_000)},10.0.2.1,10.0.2.2,80,TCP,allow`);
    writeFileSync(log, ['time,src,dst,dst_port,protocol,verdict', ...allowed, `${iso(blockAt + (revertAt - blockAt) / 2)},10.0.2.1,10.0.2.2,80,TCP,deny`].join('\n') + '\n');
    const cluster = join(dir, 'cluster.yaml');
    writeFileSync(cluster, [POD_YAML('web', '10.0.2.1'), POD_YAML('api', '10.0.2.2'), apiIn('web')].map((o) => JSON.stringify(o)).join('\n---\n'));
    const r = await podwallAsync(['incidents', log, '--snapshot', `${cluster}@${iso(blockAt - 2 * 3_600_000)}`, '--db', db, '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const [incident, ...rest] = JSON.parse(r.stdout).incidents;
    assert.equal(rest.length, 0);
    assert.equal(incident.connection, 'app/web -> app/api 80/TCP');
    assert.equal(incident.cause.at, iso(blockAt));
    assert.deepEqual(incident.cause.objects.map((o: { object: string; recordedBy: string; decisive: boolean }) => [o.object, o.recordedBy, o.decisive]), [['NetworkPolicy app/api-in', 'kubectl-edit', true]]);
    assert.deepEqual([incident.resolvedBy.kind, incident.end], ['change', iso(revertAt)]);
  });

  it('podwall snapshot keeps who last changed a policy (managedFields without field sets), and nothing of the kind for other objects', async () => {
    api.put(PODS, { ...POD_YAML('web', '10.0.2.1'), metadata: { ...POD_YAML('web', '10.0.2.1').metadata, managedFields: [{ manager: 'kubelet', fieldsV1: {} }] } } as never);
    api.put(NETPOL, apiIn('web', 'helm'));
    const file = join(mkdtempSync(join(tmpdir(), 'podwall-snapmf-')), 'snap.yaml');
    const r = await podwallAsync(['snapshot', '--kubeconfig', api.kubeconfig(), '-o', file]);
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /manager: helm/);
    assert.doesNotMatch(text, /kubelet|fieldsV1/);
  });
});
