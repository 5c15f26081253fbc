// The API server's name and label rules and the kind catalogue, held directly (the CLI tests in
// test/cli/validation.test.ts hold the same through the command line).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dns1035Label, dns1123Label, dns1123Subdomain, labelKey, labelValue } from '../../src/k8s/names.js';
import { classifyKind } from '../../src/model/kinds.js';
import { parseCidr } from '../../src/net/ip.js';
import { normalizeDomainPattern } from '../../src/policy/domains.js';
import { clusterFrom } from '../helpers.js';

describe('names and labels as apimachinery checks them', () => {
  it('label keys: optional DNS-subdomain prefix, a name of at most 63 characters', () => {
    for (const ok of ['app', 'app.kubernetes.io/name', 'A_b.c-d', 'x/Y', 'a'.repeat(63)]) assert.deepEqual(labelKey(ok), [], ok);
    for (const bad of ['', '/a', 'a/', 'a/b/c', '-a', 'a-', 'Example.com/a', 'a b', 'a'.repeat(64), `${'p'.repeat(254)}/a`]) assert.notDeepEqual(labelKey(bad), [], bad);
  });
  it('label values: empty, or at most 63 alphanumerics with - _ . inside', () => {
    for (const ok of ['', 'v1', 'My_Value', '1.2-3']) assert.deepEqual(labelValue(ok), [], ok);
    for (const bad of ['-v', 'v-', 'a b', 'é', 'v'.repeat(64)]) assert.notDeepEqual(labelValue(bad), [], bad);
  });
  it('DNS names: labels, subdomains and DNS-1035 labels', () => {
    assert.deepEqual(dns1123Label('team-a'), []);
    assert.deepEqual(dns1123Label('team.a'), ['must not contain dots']);
    assert.deepEqual(dns1123Subdomain('web.v1'), []);
    assert.notDeepEqual(dns1123Subdomain('Web'), []);
    assert.deepEqual(dns1035Label('api'), []);
    assert.notDeepEqual(dns1035Label('1api'), []);
  });
});

describe('CIDRs and domain names', () => {
  it('no whitespace; a bare address only where the reader allows it', () => {
    assert.equal(parseCidr(' 10.0.0.0/8').ok, false);
    assert.equal(parseCidr('10.0.0.1').ok, false);
    const host = parseCidr('10.0.0.1', { bareAddress: true });
    assert.ok(host.ok && host.cidr.bits === 32);
    const host6 = parseCidr('2001:db8::1', { bareAddress: true });
    assert.ok(host6.ok && host6.cidr.bits === 128);
  });
  it('the CRD pattern: _ and numeric labels, long labels; never *.com or a wildcard inside', () => {
    for (const ok of ['_sip._tcp.example.com', '123.example.com', `${'l'.repeat(70)}.example.com`, 'Example.COM.', '*.example.com']) assert.ok(normalizeDomainPattern(ok).ok, ok);
    for (const bad of ['*.com', 'com', 'a.*.example.com', ' example.com', 'ex ample.com', '-a.example.com']) assert.ok(!normalizeDomainPattern(bad).ok, bad);
  });
});

describe('kinds', () => {
  it('reads known kinds under their apiVersions, warns on other versions and near misses, skips the rest', () => {
    assert.deepEqual(classifyKind('NetworkPolicy', 'networking.k8s.io/v1'), { read: true, namespaced: true, group: 'networking.k8s.io' });
    assert.equal(classifyKind('ClusterNetworkPolicy', 'networking.k8s.aws/v1alpha1').namespaced, false);
    const pod = classifyKind('Pod', 'apps/v1');
    assert.ok(!pod.read && pod.warning);
    for (const near of ['networkpolicy', 'NetworkPolicys', 'NetworkPolicies', 'Deploymnet', 'Pods', 'Services']) {
      const k = classifyKind(near, 'v1');
      assert.ok(!k.read && k.warning, near);
    }
    for (const other of ['Role', 'ClusterRole', 'PodTemplate', 'EndpointSlice', 'ServiceAccount', 'Lease', 'PolicyEndpoint']) {
      const k = classifyKind(other, 'v1');
      assert.ok(!k.read && !k.warning, other);
    }
    assert.equal(classifyKind('Secret', 'v1').namespaced, true);
    assert.equal(classifyKind('ClusterRole', 'rbac.authorization.k8s.io/v1').namespaced, false);
  });

  it('typed list items take the list kind; unknown kinds make no namespace and never fail', () => {
    const cluster = clusterFrom(`apiVersion: v1
kind: NamespaceList
items:
  - metadata: {name: shop, labels: {tier: web}}
---
apiVersion: v1
kind: List
items:
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata: {name: r, labels: {n: 5}}
  - apiVersion: v1
    kind: Secret
    metadata: {name: s, namespace: vault}
`);
    assert.deepEqual([...cluster.namespaces.keys()].sort(), ['shop', 'vault']);
    assert.equal(cluster.namespaces.get('shop')!.labels.tier, 'web');
    assert.deepEqual(cluster.warnings, []);
  });

  it('a List that contains itself is an error, not a stack overflow', () => {
    assert.throws(() => clusterFrom('&l {apiVersion: v1, kind: List, items: [*l]}\n'), /contains itself/);
  });
});
