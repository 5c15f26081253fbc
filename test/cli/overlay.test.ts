// diff --to and replay --proposed read a pull request's changed files as an overlay (kubectl apply), or with --replace-all a complete set.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { podwall } from '../helpers.js';

const EX = 'examples/shop';
const dir = mkdtempSync(join(tmpdir(), 'podwall-overlay-'));
// a pull request that changes one file: api-to-db also admits the internet on 5432
const changed = join(dir, 'api-to-db.yaml');
writeFileSync(changed, `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-to-db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
  ingress:
    - from: [{podSelector: {matchLabels: {app: api}}}, {ipBlock: {cidr: 0.0.0.0/0}}]
      ports: [{port: 5432}]
`);

describe('proposals as an overlay', () => {
  it("a PR's changed file alone reports only what it changes, and says it was an overlay", () => {
    const r = podwall(['diff', '-f', EX, '--to', changed]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^proposal: overlay as kubectl apply \(1 replaced, 0 added, 0 deleted;/m);
    assert.match(r.stdout, /^3 newly allowed, 0 newly denied$/m);
    // the only change: shop/db's 5432 opened to addresses (the internet, a domain, the kube-system pods)
    assert.deepEqual(r.stdout.match(/^[+-] .*$/gm), ['+ allow *.stripe.com -> shop/db TCP 5432', '+ allow internet -> shop/db TCP 5432', '+ allow kube-system/coredns -> shop/db TCP 5432']);
    const j = JSON.parse(podwall(['diff', '-f', EX, '--to', changed, '-o', 'json']).stdout);
    assert.deepEqual(j.proposal, { mode: 'overlay', replaced: ['NetworkPolicy.networking.k8s.io/shop/api-to-db'], added: [], deleted: [] });
  });

  it('--replace-all keeps the old meaning: the file is the whole policy set, so everything else is gone', () => {
    const r = podwall(['diff', '-f', EX, '--to', changed, '--replace-all', '-o', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.proposal.mode, 'replace-all');
    // dropping the other policies reports changes the PR never made: the shop's default-deny is gone
    assert.ok(j.newlyAllowed > 20, String(j.newlyAllowed));
    assert.ok(j.changes.some((c: { from: string; to: string; change: string }) => c.from === 'shop/storefront' && c.to === 'shop/db' && c.change === 'newly-allowed'));
  });

  it('--delete and --delete-from remove objects; a removal that names nothing is exit 2', () => {
    const list = join(dir, 'deleted.txt');
    writeFileSync(list, '# removed in the PR\napplicationnetworkpolicy/shop/api-payments\n');
    const r = podwall(['diff', '-f', EX, '--to', changed, '--delete-from', list, '-o', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(j.proposal.deleted, ['ApplicationNetworkPolicy.networking.k8s.aws/shop/api-payments']);
    assert.deepEqual(j.changes.filter((c: { change: string }) => c.change === 'newly-denied').map((c: { from: string; to: string }) => `${c.from} -> ${c.to}`), ['shop/api -> *.stripe.com']);
    const cluster = podwall(['diff', '-f', EX, '--to', changed, '--delete', 'ClusterNetworkPolicy/baseline-deny-cross-namespace', '-o', 'json']);
    assert.deepEqual(JSON.parse(cluster.stdout).proposal.deleted, ['ClusterNetworkPolicy.networking.k8s.aws/baseline-deny-cross-namespace']);
    const missing = podwall(['diff', '-f', EX, '--to', changed, '--delete', 'NetworkPolicy/shop/no-such']);
    assert.equal(missing.code, 2);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /--delete NetworkPolicy\/shop\/no-such: no such object in the current state/);
    const bad = join(dir, 'bad.txt');
    writeFileSync(bad, 'NetworkPolicy/shop/a\nnot-a-ref\n');
    assert.match(podwall(['diff', '-f', EX, '--to', changed, '--delete-from', bad]).stderr, /bad\.txt:2.*expected KIND\/NAMESPACE\/NAME/);
  });

  it('replay --proposed overlays too, and says so', () => {
    const r = podwall(['replay', 'test/fixtures/flows/logs', '-f', 'test/fixtures/flows/cluster.yaml', '--proposed', changed]);
    assert.match(r.stdout, /^proposal: overlay as kubectl apply \(0 replaced, 1 added, 0 deleted;/m);
  });
});
