// Bad input: a clear message naming file, line and object; exit 2; nothing on stdout; no stack trace.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { podwall } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'podwall-bad-'));

function np(spec: string): string {
  return `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: broken
  namespace: shop
spec:
${spec}`;
}

const cases: { name: string; yaml: string; line: number; message: RegExp; object?: string }[] = [
  { name: 'invalid YAML', yaml: 'apiVersion: v1\nkind: Pod\nmetadata: {name: a\n', line: 4, message: /invalid YAML/ },
  { name: 'wrong field type', yaml: np('  podSelector: {}\n  ingress: "everything"\n'), line: 8, message: /spec\.ingress: expected a list/, object: 'NetworkPolicy shop/broken' },
  { name: 'invalid CIDR', yaml: np('  podSelector: {}\n  egress:\n    - to:\n        - ipBlock: {cidr: 10.0.0.300/8}\n'), line: 10, message: /invalid CIDR "10\.0\.0\.300\/8"/, object: 'NetworkPolicy shop/broken' },
  { name: 'except outside its cidr', yaml: np('  podSelector: {}\n  egress:\n    - to:\n        - ipBlock:\n            cidr: 10.0.0.0/16\n            except: [10.1.0.0/24]\n'), line: 12, message: /except 10\.1\.0\.0\/24 is not inside cidr 10\.0\.0\.0\/16/ },
  { name: 'endPort below port', yaml: np('  podSelector: {}\n  ingress:\n    - ports:\n        - {port: 90, endPort: 80}\n'), line: 10, message: /endPort 80 is below port 90/ },
  { name: 'endPort with a named port', yaml: np('  podSelector: {}\n  ingress:\n    - ports:\n        - port: http\n          endPort: 90\n'), line: 11, message: /endPort: Invalid value: 90: may not be specified when `port` is non-numeric/ },
  { name: 'unknown selector operator', yaml: np('  podSelector:\n    matchExpressions:\n      - {key: app, operator: Is, values: [a]}\n'), line: 9, message: /unknown selector operator "Is"/ },
  { name: 'unknown field (typo)', yaml: np('  podSelector: {}\n  ingres: []\n'), line: 8, message: /spec\.ingres: unknown field/ },
  { name: 'label value not a string', yaml: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels:\n    version: 2\n', line: 6, message: /expected a string value/, object: 'Pod default/a' },
  {
    name: 'EKS ClusterNetworkPolicy priority out of range',
    yaml: 'apiVersion: networking.k8s.aws/v1alpha1\nkind: ClusterNetworkPolicy\nmetadata: {name: p}\nspec:\n  tier: Admin\n  priority: 1001\n  subject: {namespaces: {}}\n',
    line: 6,
    message: /priority 1001 is out of range 0-1000/,
    object: 'ClusterNetworkPolicy p',
  },
  {
    name: 'EKS domainNames with Deny',
    yaml: 'apiVersion: networking.k8s.aws/v1alpha1\nkind: ClusterNetworkPolicy\nmetadata: {name: p}\nspec:\n  tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n  egress:\n    - action: Deny\n      to: [{domainNames: ["*.example.com"]}]\n',
    line: 9,
    message: /spec\.egress\[0\]: Invalid value: "object": domainNames peer can only be used with Accept action/,
  },
  {
    name: 'EKS subject with both forms',
    yaml: 'apiVersion: networking.k8s.aws/v1alpha1\nkind: ClusterNetworkPolicy\nmetadata: {name: p}\nspec:\n  tier: Admin\n  priority: 1\n  subject:\n    namespaces: {}\n    pods: {podSelector: {}}\n',
    line: 7,
    message: /exactly one of namespaces, pods/,
  },
  {
    name: 'EKS portRange start not below end',
    yaml: 'apiVersion: networking.k8s.aws/v1alpha1\nkind: ClusterNetworkPolicy\nmetadata: {name: p}\nspec:\n  tier: Baseline\n  priority: 1\n  subject: {namespaces: {}}\n  ingress:\n    - action: Accept\n      from: [{namespaces: {}}]\n      ports:\n        - portRange: {start: 90, end: 90}\n',
    line: 12,
    message: /Start port must be less than End port/,
  },
];

describe('bad manifests', () => {
  for (const c of cases) {
    it(c.name, () => {
      const file = join(dir, `${c.name.replace(/\W+/g, '-')}.yaml`);
      writeFileSync(file, c.yaml);
      const r = podwall(['matrix', '-f', file]);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '', 'nothing is printed as if it were a result');
      assert.ok(r.stderr.includes(`${file}:${c.line}`), `names file and line ${c.line}: ${r.stderr}`);
      assert.match(r.stderr, c.message);
      if (c.object) assert.ok(r.stderr.includes(c.object), `names the object: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    });
  }
});

describe('bad assertions and flags', () => {
  const cluster = join(dir, 'cluster.yaml');
  writeFileSync(cluster, 'apiVersion: v1\nkind: Pod\nmetadata: {name: frontend, namespace: shop}\nspec: {containers: [{name: c, image: x}]}\n');

  it('an unknown endpoint suggests near matches', () => {
    const file = join(dir, 'typo.test.yaml');
    writeFileSync(file, 'assertions:\n  - {from: shop/frontent, to: 10.0.0.1, port: 80, expect: allow}\n');
    const r = podwall(['test', file, '-f', cluster]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.ok(r.stderr.includes(`${file}:2`), r.stderr);
    assert.match(r.stderr, /unknown endpoint "shop\/frontent".*did you mean shop\/frontend/);
  });

  it('a bad expect value', () => {
    const file = join(dir, 'expect.test.yaml');
    writeFileSync(file, 'assertions:\n  - from: shop/frontend\n    to: 10.0.0.1\n    port: 80\n    expect: maybe\n');
    const r = podwall(['test', file, '-f', cluster]);
    assert.equal(r.code, 2);
    assert.ok(r.stderr.includes(`${file}:5`), r.stderr);
    assert.match(r.stderr, /expect must be allow or deny/);
  });

  it('explain with an unknown --from', () => {
    const r = podwall(['explain', '--from', 'shop/frontnd', '--to', '1.2.3.4', '--port', '80', '-f', cluster]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /did you mean shop\/frontend/);
  });

  it('a missing file', () => {
    const r = podwall(['matrix', '-f', join(dir, 'nope.yaml')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nope\.yaml: error: no such file or directory/);
  });

  it('an unknown output format and an unknown flag', () => {
    assert.equal(podwall(['matrix', '-f', cluster, '-o', 'xml']).code, 2);
    assert.equal(podwall(['matrix', '-f', cluster, '--bogus']).code, 2);
  });
});
