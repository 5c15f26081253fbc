// flows summary, replay, diff and advise through the command line, on the hand-written fixtures.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { podwall } from '../helpers.js';

const FX = 'test/fixtures/flows';
const SNAPSHOTS = ['--snapshot', `${FX}/before.yaml`, '--snapshot', `${FX}/cluster.yaml@2026-11-20T00:00:00Z`];

describe('podwall flows summary', () => {
  const r = podwall(['flows', 'summary', `${FX}/logs`, ...SNAPSHOTS, '-o', 'json']);
  const { summary, input } = JSON.parse(r.stdout);

  it('reads every format and counts malformed lines with their line numbers', () => {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(summary.flows, 20);
    assert.deepEqual([summary.allowed, summary.denied, summary.expired], [9, 10, 1]);
    assert.equal(input.malformed, 4);
    assert.deepEqual(
      input.malformedExamples.map((m: { file: string; line: number }) => `${m.file.split('/').pop()}:${m.line}`),
      ['agent-v1.3.log:6', 'agent-v1.3.log:7', 'generic.csv:4', 'vpc.log:7'],
    );
  });

  it('attributes a reused pod IP to the pod that had it at the time', () => {
    // 10.0.1.20 was shop/legacy (accepted by the db) until 2026-11-20, then jobs/batch-1 (denied)
    assert.equal(summary.by.pair['jobs/batch-1 -> shop/db 5432/TCP'], 2);
    assert.equal(summary.disagreements, 1, 'the 2026-11-18 accept agrees with the snapshot of its time');
    assert.match(summary.disagreementExamples[0].text, /shop\/frontend:33004 -> shop\/api:9999\/TCP \(ingress\): log says allow, the model says deny/);
  });

  it('names the deciding policy and the weekly KPI', () => {
    assert.equal(summary.by.policy['NetworkPolicy shop/default-deny + NetworkPolicy shop/frontend-egress'], 5);
    assert.deepEqual(summary.deniedPerWeek, { '2026-W47': 6, '2026-W48': 4 });
    assert.equal(summary.blockedPerWeek, 5);
    assert.equal(summary.topDeniedPairs[0].pair, 'shop/frontend -> shop/db 5432/TCP');
  });

  it('maps a Service ClusterIP and IPv6 addresses to the pods behind them', () => {
    assert.equal(summary.by.pair['fd00::99 -> shop/api 8080/TCP'], 1);
    const text = podwall(['flows', 'summary', `${FX}/logs/agent-v1.3.log`, '-f', `${FX}/cluster.yaml`, '--by', 'pair']).stdout;
    assert.doesNotMatch(text, /172\.20\.0\.10/, 'the ClusterIP flow is shop/frontend -> shop/api');
  });

  it('reads gzip, honours --since/--until, and --strict stops at a malformed line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-gz-'));
    writeFileSync(join(dir, 'agent.log.gz'), gzipSync(readFileSync(`${FX}/logs/agent-v1.2.log`)));
    const gz = JSON.parse(podwall(['flows', 'summary', join(dir, 'agent.log.gz'), '-f', `${FX}/cluster.yaml`, '-o', 'json']).stdout);
    assert.equal(gz.summary.flows, 3);
    const window = JSON.parse(podwall(['flows', 'summary', `${FX}/logs`, ...SNAPSHOTS, '--since', '2026-11-22T00:00:00Z', '--until', '2026-11-23T00:00:00Z', '-o', 'json']).stdout);
    assert.equal(window.summary.denied, 3);
    const strict = podwall(['flows', 'summary', `${FX}/logs/generic.csv`, '-f', `${FX}/cluster.yaml`, '--strict']);
    assert.equal(strict.code, 2);
    assert.match(strict.stderr, /generic\.csv:4: error: malformed csv flow line: invalid destination port/);
  });

  it('csv and md outputs, and --record into the history', () => {
    assert.match(podwall(['flows', 'summary', `${FX}/logs`, ...SNAPSHOTS, '--by', 'workload', '-o', 'csv']).stdout, /^workload,denied\nshop\/frontend,5\n/);
    assert.match(podwall(['flows', 'summary', `${FX}/logs`, ...SNAPSHOTS, '-o', 'md']).stdout, /\| 2026-W47 \| 6 \|/);
    const db = join(mkdtempSync(join(tmpdir(), 'podwall-fdb-')), 'h.db');
    const rec = podwall(['flows', 'summary', `${FX}/logs`, ...SNAPSHOTS, '--record', '--db', db]);
    assert.match(rec.stderr, /recorded flow summary 1/);
    const hist = JSON.parse(podwall(['history', '--db', db, '-o', 'json']).stdout);
    assert.equal(hist.flows[0].denied, 10);
  });
});

describe('podwall replay', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podwall-replay-'));
  const strict = join(dir, 'strict.yaml');
  writeFileSync(strict, 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny, namespace: shop}\nspec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n');

  it('exits 1 and names the observed connections a proposal would break', () => {
    const r = podwall(['replay', `${FX}/logs`, '-f', `${FX}/cluster.yaml`, '--proposed', strict, '--replace-all', '-o', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const j = JSON.parse(r.stdout);
    const broken = j.wouldBlock.map((b: { from: string; to: string; port: number }) => `${b.from} -> ${b.to}:${b.port}`);
    assert.ok(broken.includes('shop/frontend -> shop/api:8080'), broken.join());
    assert.match(j.wouldBlock[0].reason, /isolated for (egress|ingress) by default-deny/);
  });

  it('exits 0 when the proposal keeps observed traffic, and lists what it allows unused', () => {
    const advice = podwall(['advise', `${FX}/logs`, '-f', `${FX}/cluster.yaml`, '-n', 'shop']).stdout;
    const file = join(dir, 'advice.yaml');
    writeFileSync(file, advice);
    const r = podwall(['replay', `${FX}/logs`, '-f', `${FX}/cluster.yaml`, '--proposed', file, '-o', 'json']);
    assert.equal(r.code, 0, r.stdout);
    const unused = JSON.parse(r.stdout).unusedAllowed as { from: string; to: string; ports: { protocol: string; from: number; to: number }[] }[];
    // port ranges, less the ports flows used: frontend's DNS was seen on UDP 53, never on TCP 53
    const dns = unused.find((u) => u.from === 'shop/frontend' && u.to.startsWith('kube-system/coredns'));
    assert.deepEqual(dns?.ports, [{ protocol: 'TCP', from: 53, to: 53 }]);
    // peers outside the cluster count too
    assert.ok(unused.some((u) => u.to.startsWith('internet') && u.ports.some((x) => x.from === 1 && x.to === 65535)));
  });
});

describe('podwall advise', () => {
  const r = podwall(['advise', `${FX}/logs`, '-f', `${FX}/cluster.yaml`, '-n', 'shop']);

  it('proposes default-deny, DNS, and allow rules by stable labels with named ports, justified by flows', () => {
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /# replay: these policies allow every observed accepted flow in scope/);
    assert.match(r.stdout, /name: default-deny\n {2}namespace: shop/);
    assert.match(r.stdout, /k8s-app: kube-dns/);
    assert.doesNotMatch(r.stdout, /pod-template-hash|api-1|frontend-1/, 'never pod names or template hashes');
    assert.match(r.stdout, /name: db-ingress[\s\S]*port: postgres/);
    assert.match(r.stdout, /#   rule \d: 2 flows: shop\/api -> shop\/db 5432\/TCP, e\.g\. 10\.0\.1\.11 -> 10\.0\.1\.12/);
  });
});

describe('podwall diff', () => {
  it('exits 0 without changes and 1 with them, each with both explanations', () => {
    assert.equal(podwall(['diff', '-f', 'examples/shop', '--to', 'examples/shop/policies.yaml']).code, 0);
    const dir = mkdtempSync(join(tmpdir(), 'podwall-diff-'));
    const changed = join(dir, 'p.yaml');
    writeFileSync(changed, readFileSync('examples/shop/policies.yaml', 'utf8').replace('from: [{podSelector: {matchLabels: {app: api}}}]\n      ports: [{port: 5432}]', 'from: [{podSelector: {}}]\n      ports: [{port: 5432}]').replace('to: [{podSelector: {matchLabels: {app: api}}}]\n      ports: [{port: 9000}]', 'to: [{podSelector: {}}]\n      ports: [{port: 9000}, {port: 5432}]'));
    const r = podwall(['diff', '-f', 'examples/shop', '--to', changed, '-o', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const j = JSON.parse(r.stdout);
    const c = j.changes.find((x: { from: string; to: string }) => x.from === 'shop/storefront' && x.to === 'shop/db');
    assert.equal(c.change, 'newly-allowed');
    assert.match(c.before, /denied/);
    assert.match(c.after, /allowed by NetworkPolicy shop\/api-to-db ingress rule 0/);
    assert.equal(j.newlyDenied, 0);
  });
});
