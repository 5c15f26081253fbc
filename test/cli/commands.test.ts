// The commands as a user runs them, on the bundled example.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { podwall, ROOT } from '../helpers.js';

const EX = 'examples/shop';

describe('podwall explain', () => {
  it('prints the verdict and the chain in text', () => {
    const r = podwall(['explain', '--from', 'shop/storefront', '--to', 'shop/db', '--port', '5432', '-f', EX]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^DENY shop\/storefront -> shop\/db 5432\/TCP/);
    assert.match(r.stdout, /NetworkPolicy shop\/storefront-egress: rule 0: pod labels do not match \(needs app=api\)/);
  });

  it('carries tier, kind, policy, rule index and name, and action in JSON', () => {
    const r = podwall(['explain', '--from', 'monitoring/prometheus', '--to', 'shop/api', '--port', '9090', '-f', EX, '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const v = JSON.parse(r.stdout);
    assert.equal(v.allowed, true);
    const step = v.ingress.steps[0];
    assert.equal(step.tier, 'admin');
    assert.equal(step.outcome, 'allow');
    assert.deepEqual(
      { kind: step.rule.kind, name: step.rule.name, ruleIndex: step.rule.ruleIndex, ruleName: step.rule.ruleName, action: step.rule.action, priority: step.rule.priority },
      { kind: 'ClusterNetworkPolicy', name: 'platform-essentials', ruleIndex: 0, ruleName: 'allow-monitoring-scrapes', action: 'allow', priority: 10 },
    );
    assert.match(step.rule.semantics, /EKS ClusterNetworkPolicy/);
  });

  it('warns when a pod may reach a name but not the cluster DNS', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-dns-'));
    const file = join(dir, 'no-dns.yaml');
    writeFileSync(
      file,
      readFileSync(join(ROOT, EX, 'cluster.yaml'), 'utf8') +
        '\n---\napiVersion: networking.k8s.aws/v1alpha1\nkind: ApplicationNetworkPolicy\nmetadata: {name: only-stripe, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{to: [{domainNames: [api.stripe.com]}]}]\n',
    );
    const r = podwall(['explain', '--from', 'shop/api', '--to', 'api.stripe.com', '--port', '443', '-f', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ALLOW/);
    assert.match(r.stdout, /warning: shop\/api may reach api\.stripe\.com but not the cluster DNS on UDP 53 and TCP 53/);
  });

  it('reads manifests from stdin with -f -', () => {
    const yaml = readFileSync(join(ROOT, EX, 'cluster.yaml'), 'utf8');
    const r = podwall(['explain', '--from', 'shop/api', '--to', 'shop/db', '--port', '5432', '-f', '-'], yaml);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ALLOW .*\n.*\n\s+\[Default\] no policy selects the pod/);
  });
});

describe('podwall matrix', () => {
  it('json lists workloads and every port a destination exposes', () => {
    const r = podwall(['matrix', '-f', EX, '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const m = JSON.parse(r.stdout) as { workloads: { id: string }[]; edges: { from: string; to: string; port: number; protocol: string; allowed: boolean }[] };
    assert.deepEqual(m.workloads.map((w) => w.id), ['kube-system/coredns', 'monitoring/prometheus', 'shop/api', 'shop/db', 'shop/storefront']);
    const edge = (from: string, to: string, port: number, protocol = 'TCP') => m.edges.find((e) => e.from === from && e.to === to && e.port === port && e.protocol === protocol);
    assert.equal(edge('shop/storefront', 'shop/api', 9000)?.allowed, true);
    assert.equal(edge('shop/storefront', 'shop/db', 5432)?.allowed, false);
    assert.equal(edge('shop/db', 'kube-system/coredns', 53, 'UDP')?.allowed, true);
    assert.equal(edge('shop/storefront', 'shop/api', 5432), undefined, 'only ports the destination exposes');
  });

  it('csv, md and dot carry the same allowed edges', () => {
    const csv = podwall(['matrix', '-f', EX, '--port', '9000', '-o', 'csv']).stdout;
    assert.match(csv, /^from,to,port,protocol,verdict\n/);
    assert.match(csv, /shop\/storefront,shop\/api,9000,TCP,allow/);
    assert.match(podwall(['matrix', '-f', EX, '--port', '9000', '-o', 'md']).stdout, /\| shop\/storefront \| shop\/api \| allow \|/);
    const dot = podwall(['matrix', '-f', EX, '--port', '9000', '-o', 'dot']).stdout;
    assert.match(dot, /"shop\/storefront" -> "shop\/api" \[label="9000\/TCP"\]/);
    assert.doesNotMatch(dot, /"shop\/storefront" -> "shop\/db"/);
  });

  it('-n keeps connections with an end in the namespace', () => {
    const m = JSON.parse(podwall(['matrix', '-f', EX, '-n', 'monitoring', '-o', 'json']).stdout) as { edges: { from: string; to: string }[] };
    assert.ok(m.edges.length > 0);
    assert.ok(m.edges.every((e) => e.from.startsWith('monitoring/') || e.to.startsWith('monitoring/')));
  });
});

describe('podwall test', () => {
  it('exits 0 when all pass and 1 with a readable failure otherwise', () => {
    assert.equal(podwall(['test', `${EX}/connectivity.test.yaml`, '-f', EX]).code, 0);
    const dir = mkdtempSync(join(tmpdir(), 'podwall-test-'));
    const file = join(dir, 'wrong.test.yaml');
    writeFileSync(file, 'assertions:\n  - {from: shop/storefront, to: shop/db, port: 5432, expect: allow}\n');
    const r = podwall(['test', file, '-f', EX]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2: shop/storefront -> shop/db 5432/TCP: expected allow, got deny`));
    assert.match(r.stdout, /0 passed, 1 failed/);
  });

  it('uses inline manifests together with -f inputs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-inline-'));
    const file = join(dir, 'inline.test.yaml');
    writeFileSync(
      file,
      'manifests:\n  - apiVersion: networking.k8s.io/v1\n    kind: NetworkPolicy\n    metadata: {name: lock-prometheus, namespace: monitoring}\n    spec: {podSelector: {}, policyTypes: [Egress]}\nassertions:\n  - {from: monitoring/prometheus, to: shop/api, port: 9090, expect: deny}\n',
    );
    const r = podwall(['test', file, '-f', EX, '-o', 'json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(JSON.parse(r.stdout).summary.passed, 1);
  });
});

describe('the command line', () => {
  it('runs as kubectl-podwall too', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    assert.equal(pkg.bin['kubectl-podwall'], pkg.bin.podwall);
  });

  it('colours only on a terminal: never in a pipe', () => {
    const r = podwall(['explain', '--from', 'shop/api', '--to', 'shop/db', '--port', '5432', '-f', EX], undefined, { NO_COLOR: undefined, FORCE_COLOR: '1' });
    assert.doesNotMatch(r.stdout, /\x1b\[/);
  });
});
