// A pod (not host-network) holding a Node's address: a stale or mixed snapshot, since the VPC CNI never hands a
// pod its node's address. The agent's node entry allows that address whoever holds it, so EKS and the
// specification disagree, and podwall names the input as the cause instead of "cannot name the mechanism".
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { podsHoldingNodeAddresses } from '../../src/model/node-addresses.js';
import { clusterFrom, podwall } from '../helpers.js';
import { compare, node, np, ns, pod } from './fixtures.js';

// client on n1 (10.0.0.1) may send nothing; server, on n2, holds n1's address.
const cluster = (serverOpts: { hostNetwork?: boolean } = {}): string =>
  ns('a') +
  node('n1', '10.0.0.1') +
  node('n2', '10.0.0.2') +
  pod('a', 'client', { app: 'client' }, '10.1.0.1') +
  pod('a', 'server', { app: 'server' }, '10.0.0.1', { node: 'n2', ...serverOpts }) +
  np('a', 'no-egress', 'podSelector: {matchLabels: {app: client}}\npolicyTypes: [Egress]');

describe('a pod holding a node address', () => {
  it('the node entry lets the client reach it on EKS; the specification denies; the cause is named', () => {
    const c = compare(cluster(), 'a/client', 'a/server', 443);
    assert.equal(c.kubernetes.allowed, false);
    assert.equal(c.eks.allowed, true);
    assert.deepEqual(c.mechanisms, ['pod-holds-node-address']);
    assert.equal(c.explained, true);
  });

  it('without the collision both data planes deny (the case above is the address alone)', () => {
    const c = compare(cluster().replace('podIP: "10.0.0.1"', 'podIP: "10.1.0.2"'), 'a/client', 'a/server', 443);
    assert.equal(c.eks.allowed, false);
    assert.ok(c.agree);
  });

  it('the model warns at the pod, naming the node and where it was read', () => {
    const warnings = clusterFrom(cluster(), {}, 'c.yaml').warnings.filter((w) => w.message.includes('address of Node'));
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.object, 'Pod a/server');
    assert.match(warnings[0]!.message, /its IP 10\.0\.0\.1 is an address of Node n1 \(c\.yaml:\d+\)/);
  });

  it('a host-network pod holds its node address by design: no warning', () => {
    const c = clusterFrom(cluster({ hostNetwork: true }));
    assert.deepEqual(podsHoldingNodeAddresses(c.pods, c.nodes), []);
  });

  it('through explain: both verdicts and the cause, and the warning on stderr', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-node-address-'));
    const file = join(dir, 'c.yaml');
    writeFileSync(file, cluster());
    const r = podwall(['explain', '-f', file, '--from', 'a/client', '--to', 'a/server', '--port', '443']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ALLOW a\/client -> a\/server 443\/TCP .*the Kubernetes specification says DENY/);
    assert.match(r.stdout, /pod-holds-node-address/);
    assert.doesNotMatch(r.stdout, /cannot name/);
    assert.match(r.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+: Pod a/server: warning: its IP 10\\.0\\.0\\.1 is an address of Node n1`));
  });
});
