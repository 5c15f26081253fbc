// The cluster as it runs, through the command line: every replica, and Services as endpoints.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { podwall } from '../helpers.js';

const FX = 'test/fixtures/endpoints';
const ETCD = `${FX}/etcd.yaml`;
const SVC = `${FX}/services.yaml`;

/** The etcd fixture without the policy that admits peers to etcd-0: every member refuses its peers. */
function etcdDenyingPeers(): string {
  const dir = mkdtempSync(join(tmpdir(), 'podwall-etcd-'));
  const file = join(dir, 'etcd.yaml');
  const docs = readFileSync(ETCD, 'utf8').split(/^---$/m).filter((d) => !d.includes('etcd-0-peers'));
  writeFileSync(file, docs.join('---'));
  return file;
}

describe('replicas', () => {
  it('judges a StatefulSet talking to itself between different replicas, not as loopback', () => {
    const r = podwall(['explain', '--from', 'db/etcd', '--to', 'db/etcd', '--port', '2380', '-f', etcdDenyingPeers()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^DENY db\/etcd -> db\/etcd 2380\/TCP: denied for all 6 pod pairs\n/);
    assert.match(r.stdout, /for example db\/etcd-\d -> db\/etcd-\d 2380\/TCP:/);
    assert.doesNotMatch(r.stdout, /loopback|itself/);
  });

  it('says how many pod pairs are allowed when replicas differ, with one explanation of each', () => {
    const r = podwall(['explain', '--from', 'db/etcd', '--to', 'db/etcd', '--port', 'peer', '-f', ETCD]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^PARTIAL db\/etcd -> db\/etcd 2380\/TCP: allowed for 2 of 6 pod pairs\n/);
    assert.match(r.stdout, /allowed, e\.g\. db\/etcd-[12] -> db\/etcd-0 2380\/TCP:[\s\S]*allowed by NetworkPolicy db\/etcd-0-peers/);
    assert.match(r.stdout, /denied, e\.g\. db\/etcd-\d -> db\/etcd-[12] 2380\/TCP:[\s\S]*isolated for ingress by default-deny, etcd-clients/);
    const j = JSON.parse(podwall(['explain', '--from', 'db/etcd', '--to', 'db/etcd', '--port', '2380', '-f', ETCD, '-o', 'json']).stdout);
    assert.equal(j.outcome, 'mixed');
    assert.equal(j.allowed, false, 'allowed only when every pair is');
    assert.deepEqual(j.pairs, { total: 6, allowed: 2, denied: 4, decided: 9 - 3 });
    assert.equal(j.examples.allowed.allowed, true);
    assert.equal(j.examples.denied.allowed, false);
  });

  it('a named pod is one pod: to itself it is loopback, to a peer it is judged', () => {
    const self = podwall(['explain', '--from', 'db/etcd-1', '--to', 'db/etcd-1', '--port', '2380', '-f', ETCD]);
    assert.match(self.stdout, /^ALLOW db\/etcd-1 -> db\/etcd-1 2380\/TCP\n[\s\S]*loopback/);
    const peer = podwall(['explain', '--from', 'db/etcd-1', '--to', 'db/etcd-2', '--port', '2380', '-f', ETCD, '-o', 'json']);
    const j = JSON.parse(peer.stdout);
    assert.equal(j.allowed, false);
    assert.equal(j.from, 'db/etcd-1');
    assert.equal(j.ingress.subject, 'db/etcd-2');
    assert.deepEqual(j.pairs, { total: 1, allowed: 0, denied: 1, decided: 1 });
  });

  it('a workload of one replica to itself says there is no second replica, and what two would get', () => {
    const r = podwall(['explain', '--from', 'db/single', '--to', 'db/single', '--port', '7000', '-f', ETCD]);
    assert.match(r.stdout, /^ALLOW db\/single -> db\/single 7000\/TCP\n/);
    assert.match(r.stdout, /note: db\/single runs one pod: the only pair is the pod with itself \(loopback, which no policy can deny\); between two replicas it would be denied/);
  });

  it('replicas: 0 runs no pod, with a warning naming the object', () => {
    const r = podwall(['explain', '--from', 'db/api', '--to', 'db/etcd', '--port', '2379', '-f', ETCD]);
    assert.match(r.stderr, /etcd\.yaml:\d+: Deployment db\/paused: warning: runs no pods \(replicas: 0\)/);
    assert.match(r.stdout, /^ALLOW db\/api -> db\/etcd 2379\/TCP: allowed for all 6 pod pairs/);
    assert.equal(podwall(['explain', '--from', 'db/api', '--to', 'db/paused', '--port', '80', '-f', ETCD]).code, 2);
  });

  it('test: a peer assertion passes when every pair agrees and fails, explained, when they differ', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-etcd-test-'));
    const file = join(dir, 'etcd.test.yaml');
    writeFileSync(file, 'assertions:\n  - {from: db/etcd, to: db/etcd, port: 2380, expect: deny}\n  - {from: db/api, to: db/etcd, port: client, expect: allow}\n');
    assert.equal(podwall(['test', file, '-f', etcdDenyingPeers()]).code, 0);
    const mixed = podwall(['test', file, '-f', ETCD]);
    assert.equal(mixed.code, 1);
    assert.match(mixed.stdout, /db\/etcd -> db\/etcd 2380\/TCP: expected deny, got partial \(allowed for 2 of 6 pod pairs\)/);
    assert.match(mixed.stdout, /allowed, e\.g\.[\s\S]*denied, e\.g\./);
    const j = JSON.parse(podwall(['test', file, '-f', ETCD, '-o', 'json']).stdout);
    assert.equal(j.results[0].actual, 'mixed');
    assert.equal(j.results[0].explanation.pairs.allowed, 2);
  });

  it('matrix shows the workload-to-itself cell and counts every replica', () => {
    const m = JSON.parse(podwall(['matrix', '-f', etcdDenyingPeers(), '--port', '2380', '-o', 'json']).stdout);
    const etcd = m.workloads.find((w: { id: string }) => w.id === 'db/etcd');
    assert.equal(etcd.pods, 3);
    const cell = m.edges.find((e: { from: string; to: string }) => e.from === 'db/etcd' && e.to === 'db/etcd');
    assert.ok(cell, 'the etcd -> etcd cell is listed');
    assert.equal(cell.allowed, false);
    const mixed = JSON.parse(podwall(['matrix', '-f', ETCD, '--port', '2380', '-o', 'json']).stdout);
    const partial = mixed.edges.find((e: { from: string; to: string }) => e.from === 'db/etcd' && e.to === 'db/etcd');
    assert.deepEqual([partial.allowed, partial.partial], [true, true]);
  });

  it('a DaemonSet runs one pod per Node its nodeSelector matches', () => {
    const m = JSON.parse(podwall(['matrix', '-f', SVC, '-o', 'json', '--port', '80']).stdout);
    assert.equal(m.workloads.find((w: { id: string }) => w.id === 'shop/agent').pods, 1, 'node-b is in the gpu pool');
    assert.equal(m.workloads.find((w: { id: string }) => w.id === 'shop/api').pods, 3);
  });
});

describe('Services as endpoints', () => {
  const explain = (...args: string[]) => podwall(['explain', '--from', 'shop/web', ...args, '-f', SVC]);

  it('by ns/svc/name: each backing workload on its own target port (named targetPort), with its verdict', () => {
    const r = explain('--to', 'shop/svc/api', '--port', '80');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^PARTIAL shop\/web -> shop\/svc\/api 80\/TCP: allowed for 6 of 8 pod pairs\n/);
    assert.match(r.stdout, /Service shop\/api \(ClusterIP 172\.20\.0\.10, port web 80\/TCP -> http\), selector app=api/);
    assert.match(r.stdout, /backend shop\/api: 3 pods on 9000\/TCP: allowed/);
    assert.match(r.stdout, /backend shop\/api-canary: 1 pod on 9001\/TCP: denied/);
    assert.match(r.stdout, /denied, e\.g\. shop\/web-\w+-\w+ -> shop\/api-canary-\w+-\w+ 9001\/TCP:[\s\S]*isolated for ingress by default-deny/);
  });

  it('by ClusterIP and by DNS name, with the Service port by name, give the same answer', () => {
    const byName = JSON.parse(explain('--to', 'shop/svc/api', '--port', '80', '-o', 'json').stdout);
    for (const to of ['172.20.0.10', 'api.shop.svc.cluster.local', 'api.shop.svc', 'api.shop']) {
      const j = JSON.parse(explain('--to', to, '--port', 'web', '-o', 'json').stdout);
      assert.deepEqual([j.outcome, j.pairs, j.backends], [byName.outcome, byName.pairs, byName.backends], to);
    }
    assert.equal(byName.service.address, '172.20.0.10');
    assert.deepEqual(byName.backends.map((b: { workload: string; port: number }) => `${b.workload}:${b.port}`), ['shop/api:9000', 'shop/api-canary:9001']);
  });

  it('-n applies to svc/name and bare names', () => {
    const r = podwall(['explain', '-n', 'shop', '--from', 'web', '--to', 'svc/api-stable', '--port', '80', '-f', SVC]);
    assert.match(r.stdout, /^ALLOW shop\/web -> shop\/svc\/api-stable 80\/TCP: allowed for all 6 pod pairs/);
  });

  it('a LoadBalancer or NodePort is reached from outside on its node port, judged at the backends', () => {
    const r = podwall(['explain', '--from', '203.0.113.9', '--to', 'shop/svc/api-stable', '--port', '30080', '-f', SVC]);
    assert.match(r.stdout, /^ALLOW 203\.0\.113\.9 -> shop\/svc\/api-stable 30080\/TCP: allowed for all 3 pairs/);
    assert.match(r.stdout, /allowed by NetworkPolicy shop\/api-from-web ingress rule 0: 203\.0\.113\.0\/24, http\/TCP/);
    const other = podwall(['explain', '--from', '198.51.100.1', '--to', 'shop/svc/api-stable', '--port', '80', '-f', SVC]);
    assert.match(other.stdout, /^DENY /);
  });

  it('headless, ExternalName, no backends and no selector each get a clear answer', () => {
    assert.match(explain('--to', 'api-headless.shop.svc', '--port', '9000').stdout, /^ALLOW[\s\S]*headless: its name resolves to the pods' own addresses/);
    const ext = explain('--to', 'shop/svc/payments', '--port', '443');
    assert.match(ext.stdout, /ExternalName Service: its name is an alias \(CNAME\) of api\.stripe\.com[\s\S]*-> api\.stripe\.com 443\/TCP/);
    const none = explain('--to', 'shop/svc/nothing', '--port', '80');
    assert.equal(none.code, 0);
    assert.match(none.stdout, /^NO ENDPOINTS shop\/web -> shop\/svc\/nothing 80\/TCP: no pod answers\n[\s\S]*selects no pods \(app=gone\)/);
    assert.match(explain('--to', 'shop/svc/manual', '--port', '5432').stdout, /has no selector: its endpoints are managed outside the manifests/);
  });

  it('a port the Service does not have, or an unknown Service, is a usage error', () => {
    const r = explain('--to', 'shop/svc/api', '--port', '81');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /shop\/svc\/api has no TCP port 81; its ports: web 80\/TCP -> http/);
    const u = explain('--to', 'shop/svc/apx', '--port', '80');
    assert.equal(u.code, 2);
    assert.match(u.stderr, /no Service apx in namespace shop \(did you mean shop\/svc\/api/);
  });

  it('test assertions name Services too; a partial answer is neither allow nor deny', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-svc-test-'));
    const file = join(dir, 'svc.test.yaml');
    writeFileSync(file, 'assertions:\n  - {from: shop/web, to: shop/svc/api-stable, port: web, expect: allow}\n  - {from: shop/web, to: api.shop.svc.cluster.local, port: 80, expect: allow}\n');
    const r = podwall(['test', file, '-f', SVC]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /:3: shop\/web -> api\.shop\.svc\.cluster\.local 80\/TCP: expected allow, got partial \(allowed for 6 of 8 pod pairs\)/);
    assert.match(r.stdout, /1 passed, 1 failed/);
  });
});

describe('flows to a ClusterIP', () => {
  const C = `${FX}/clusterip`;
  const inputs = ['-f', `${C}/cluster.yaml`, '-f', `${C}/policies.yaml`];

  it('are judged on the target port: no false disagreement with the log', () => {
    const j = JSON.parse(podwall(['flows', 'summary', `${C}/agent.log`, ...inputs, '-o', 'json']).stdout);
    assert.equal(j.summary.flows, 5);
    assert.equal(j.summary.disagreements, 0, JSON.stringify(j.summary.disagreementExamples));
  });

  it('replay of the unchanged policies exits 0; a proposal that drops the api rule exits 1', () => {
    const same = podwall(['replay', `${C}/agent.log`, ...inputs, '--proposed', `${C}/policies.yaml`]);
    assert.equal(same.code, 0, same.stdout);
    const dir = mkdtempSync(join(tmpdir(), 'podwall-cip-'));
    const dropped = join(dir, 'p.yaml');
    writeFileSync(dropped, readFileSync(`${C}/policies.yaml`, 'utf8').split(/^---$/m).filter((d) => !d.includes('api-from-frontend')).join('---'));
    const r = podwall(['replay', `${C}/agent.log`, ...inputs, '--proposed', dropped, '--replace-all', '-o', 'json']);
    assert.equal(r.code, 1);
    const broken = JSON.parse(r.stdout).wouldBlock.map((b: { from: string; to: string; port: number }) => `${b.from} -> ${b.to}:${b.port}`);
    assert.ok(broken.includes('shop/frontend -> shop/svc/api:80'), broken.join());
  });

  it('advise writes rules on the target port (by name), for every backend, and they replay clean', () => {
    const r = podwall(['advise', `${C}/agent.log`, ...inputs, '-n', 'shop']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /# replay: these policies allow every observed accepted flow in scope/);
    assert.match(r.stdout, /name: api-ingress[\s\S]*port: http/);
    assert.match(r.stdout, /name: api-canary-ingress/);
    assert.doesNotMatch(r.stdout, /port: 80\b/);
    const dir = mkdtempSync(join(tmpdir(), 'podwall-cip-adv-'));
    writeFileSync(join(dir, 'advice.yaml'), r.stdout);
    assert.equal(podwall(['replay', `${C}/agent.log`, ...inputs, '--proposed', join(dir, 'advice.yaml')]).code, 0);
  });
});
