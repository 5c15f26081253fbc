// replay blames the proposal only for what it changes: an observed accepted flow the current
// policies deny already is set apart (alreadyDenied, not the gate's), and the observed denied
// flows the proposal lets through are listed (wouldAllow). Hand-made cluster and agent lines.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Replayer } from '../../src/analysis/replay.js';
import { newStats, readFlowFiles } from '../../src/sources/flow-files.js';
import { clusterFrom, podwall } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'podwall-replay-blame-'));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function pod(name: string, ip: string, labels: string): string {
  return `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: shop, labels: {${labels}}}\nspec: {containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]}\nstatus: {podIP: ${ip}}\n`;
}

// web may reach the stable api only; nothing reaches the db, the canary or the worker
const CLUSTER = file(
  'cluster.yaml',
  [
    pod('web-1', '10.1.0.10', 'app: web'),
    pod('api-1', '10.1.0.11', 'app: api, track: stable'),
    pod('db-1', '10.1.0.12', 'app: db'),
    pod('api-canary-1', '10.1.0.13', 'app: api, track: canary'),
    pod('worker-1', '10.1.0.14', 'app: worker'),
    'apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: shop}\nspec: {selector: {app: api}, clusterIP: 172.21.0.10, ports: [{port: 80, targetPort: 8080}]}\n',
    'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny, namespace: shop}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n',
    apiFrom('api-from-web', 'track: stable', 'web'),
  ].join('---\n'),
);

function apiFrom(name: string, track: string, from: string): string {
  return `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: api, ${track}}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: ${from}}}}], ports: [{port: 8080}]}]\n`;
}

let second = 0;
/** An agent line (v1.3 form); each is its own connection attempt. */
function line(src: string, dst: string, port: number, verdict: 'ACCEPT' | 'DENY'): string {
  const s = second++;
  const ts = new Date(Date.UTC(2026, 10, 22, 9, 0, s)).toISOString();
  return JSON.stringify({ level: 'info', ts, logger: 'ebpf-client', msg: `Flow Info: Src IP: ${src} Src Port: ${40000 + s} Dest IP: ${dst} Dest Port: ${port} Proto TCP Verdict ${verdict} Direction ingress, Tier NETWORK_POLICY` });
}

const WEB = '10.1.0.10';
const API = '10.1.0.11';
const DB = '10.1.0.12';
const CANARY = '10.1.0.13';
const WORKER = '10.1.0.14';
const SVC = '172.21.0.10';

interface Listed {
  from: string;
  to: string;
  port: number;
  count: number;
  example: string;
  reason: string;
}

function replay(log: string, proposal: string[], output = 'json') {
  const r = podwall(['replay', log, '-f', CLUSTER, ...proposal, '-o', output]);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  return r;
}

const names = (l: Listed[]): string[] => l.map((b) => `${b.from} -> ${b.to}:${b.port} x${b.count}`);

describe('replay against the current policies', () => {
  // web -> db: accepted in the log, denied by the current policies (log and cluster disagree)
  const log = file('agent.log', [line(WEB, DB, 5432, 'ACCEPT'), line(WEB, DB, 5432, 'ACCEPT'), line(WEB, API, 8080, 'ACCEPT'), line(WEB, CANARY, 8080, 'DENY'), line(WORKER, API, 8080, 'DENY'), line(WORKER, API, 8080, 'DENY'), line(WORKER, API, 8080, 'DENY'), line(WORKER, DB, 5432, 'DENY'), line(WEB, API, 8080, 'DENY')].join('\n') + '\n');
  const unchanged = ['--proposed', CLUSTER];

  it('sets apart, and does not gate on, an accepted flow the current policies deny already', () => {
    const r = replay(log, unchanged);
    assert.equal(r.code, 0, r.stdout);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(j.wouldBlock, []);
    assert.deepEqual(names(j.alreadyDenied), ['shop/web-1 -> shop/db-1:5432 x2']);
    assert.match(j.alreadyDenied[0].example, /agent\.log:1: 10\.1\.0\.10 -> 10\.1\.0\.12:5432\/TCP/);
    // the current policies' reason
    assert.match(j.alreadyDenied[0].reason, /ingress of shop\/db-1 denied: .*isolated for ingress by default-deny/);
    assert.equal(j.observedAllowed, 3);
    assert.match(r.stderr, /the current policies deny 2 observed accepted flows \(1 connection\) already: log and cluster disagree, the proposal is not the cause/);
    assert.equal(r.stderr.match(/deny .* already/g)?.length, 1, 'said once');
  });

  it('text shows the set-apart flows in a section of their own', () => {
    const r = replay(log, unchanged, 'text');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /the proposal blocks no observed allowed flow\nthe current policies deny 1 observed accepted connection already \(2 flows\): log and cluster disagree, the proposal is not the cause \(the gate does not count them\):\n {2}shop\/web-1 -> shop\/db-1 5432\/TCP \(2 flows, e\.g\. .*agent\.log:1: /);
  });

  it('gates on an accepted flow the current policies allow and the proposal denies', () => {
    const dropped = ['--proposed', file('none.yaml', ''), '--delete', 'NetworkPolicy/shop/api-from-web'];
    const r = replay(log, dropped);
    assert.equal(r.code, 1, r.stdout);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(names(j.wouldBlock), ['shop/web-1 -> shop/api-1:8080 x1']);
    assert.match(j.wouldBlock[0].reason, /ingress of shop\/api-1 denied/);
    assert.deepEqual(names(j.alreadyDenied), ['shop/web-1 -> shop/db-1:5432 x2']);
    const text = replay(log, dropped, 'text').stdout;
    assert.match(text, /the proposal would block 1 observed connection:\n {2}shop\/web-1 -> shop\/api-1 8080\/TCP/);
  });

  it('lists the observed denied flows the proposal lets through, the most frequent first, without gating', () => {
    const workerToApi = file('worker.yaml', [apiFrom('api-from-worker', 'track: stable', 'worker'), apiFrom('canary-from-web', 'track: canary', 'web')].join('---\n'));
    const r = replay(log, ['--proposed', workerToApi]);
    assert.equal(r.code, 0, r.stdout);
    const j = JSON.parse(r.stdout);
    assert.equal(j.observedDenied, 6);
    // worker -> db stays denied; web -> api was denied in the log but the current policies allow it already
    assert.deepEqual(names(j.wouldAllow), ['shop/worker-1 -> shop/api-1:8080 x3', 'shop/web-1 -> shop/api-canary-1:8080 x1']);
    assert.match(j.wouldAllow[0].example, /agent\.log:5: 10\.1\.0\.14 -> 10\.1\.0\.11:8080\/TCP/);
    assert.match(j.wouldAllow[0].reason, /api-from-worker/);
    assert.equal(j.alreadyAllowed, 1);
    assert.match(r.stderr, /the current policies allow 1 observed denied flow already: log and cluster disagree/);
    const text = replay(log, ['--proposed', workerToApi], 'text').stdout;
    assert.match(text, /the proposal would allow 2 observed denied connections \(4 of 6 denied flows\):\n {2}shop\/worker-1 -> shop\/api-1 8080\/TCP \(3 flows, e\.g\. /);
  });
});

describe('replay of flows to a ClusterIP against the current policies', () => {
  // the Service's backends: api-1 (stable: web allowed) and api-canary-1 (nothing allowed)
  const log = file('svc.log', [line(WEB, SVC, 80, 'ACCEPT'), line(WORKER, SVC, 80, 'ACCEPT'), line(WORKER, SVC, 80, 'DENY')].join('\n') + '\n');

  it('sets apart an accepted flow every backend denies already', () => {
    const r = replay(log, ['--proposed', CLUSTER]);
    assert.equal(r.code, 0, r.stdout);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(names(j.alreadyDenied), ['shop/worker-1 -> shop/svc/api:8080 x1']);
    assert.match(j.alreadyDenied[0].reason, /^denied on 2 of 2 backends that answer shop\/svc\/api \(e\.g\. /);
    assert.deepEqual(j.wouldBlock, []);
  });

  it('blames the proposal when it denies the backend the current policies allow, whatever it opens elsewhere', () => {
    // the proposal turns the rule around: the canary gets web, the stable api loses it
    const swapped = file('swapped.yaml', apiFrom('api-from-web', 'track: canary', 'web'));
    const r = replay(log, ['--proposed', swapped]);
    assert.equal(r.code, 1, r.stdout);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(names(j.wouldBlock), ['shop/web-1 -> shop/svc/api:8080 x1']);
    assert.match(j.wouldBlock[0].reason, /ingress of shop\/api-1 denied/);
    assert.deepEqual(names(j.alreadyDenied), ['shop/worker-1 -> shop/svc/api:8080 x1']);
  });

  it('lists a denied flow the proposal lets through on a backend that could have refused it', () => {
    const canary = file('canary.yaml', apiFrom('canary-from-worker', 'track: canary', 'worker'));
    const r = replay(log, ['--proposed', canary]);
    const j = JSON.parse(r.stdout);
    assert.equal(r.code, 0, r.stdout);
    assert.deepEqual(names(j.wouldAllow), ['shop/worker-1 -> shop/svc/api:8080 x1']);
    assert.match(j.wouldAllow[0].reason, /^allowed on 1 of 2 backends that could have refused shop\/svc\/api \(e\.g\. shop\/api-canary-1 on 8080\)/);
  });
});

describe('replay sections in text', () => {
  it('shows the first 20 connections set apart, and how many more', () => {
    const lines = Array.from({ length: 25 }, (_, i) => line(WEB, DB, 1000 + i, 'ACCEPT'));
    const r = replay(file('many.log', lines.join('\n') + '\n'), ['--proposed', CLUSTER], 'text');
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /the current policies deny 25 observed accepted connections already \(25 flows\)/);
    assert.equal(r.stdout.split('\n').filter((l) => /^ {2}shop\/web-1 -> shop\/db-1 \d+\/TCP/.test(l)).length, 20);
    assert.match(r.stdout, /\n {2}\.\.\. and 5 more \(-o json lists all\)\n/);
  });
});

describe('Replayer without a current cluster (the CI action)', () => {
  it('blames the proposal for every observed accepted flow it denies, as before', async () => {
    const log = file('ci.log', [line(WEB, DB, 5432, 'ACCEPT'), line(WORKER, API, 8080, 'DENY')].join('\n') + '\n');
    const cluster = clusterFrom(readFileSync(CLUSTER, 'utf8'));
    const alone = new Replayer(cluster);
    const withCurrent = new Replayer(cluster, clusterFrom(readFileSync(CLUSTER, 'utf8')));
    for await (const f of readFlowFiles([log], newStats())) {
      alone.add(f);
      withCurrent.add(f);
    }
    const a = alone.result();
    assert.deepEqual(names(a.wouldBlock), ['shop/web-1 -> shop/db-1:5432 x1']);
    assert.deepEqual([a.alreadyDenied, a.wouldAllow, a.alreadyAllowed], [[], [], 0]);
    const c = withCurrent.result();
    assert.deepEqual(names(c.alreadyDenied), ['shop/web-1 -> shop/db-1:5432 x1']);
    assert.deepEqual(c.wouldBlock, []);
  });
});
