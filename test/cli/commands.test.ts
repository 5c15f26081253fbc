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
  type Edge = { from: string; to: string; allowed: boolean; partial: boolean; ports: { protocol: string; from: number; to: number }[] };
  const allowedOn = (edges: Edge[], from: string, to: string): string =>
    edges
      .filter((e) => e.from === from && e.to === to && e.allowed)
      .flatMap((e) => e.ports.map((r) => `${r.protocol} ${r.from}-${r.to}`))
      .join(', ');

  it('json lists workloads, peers outside and, per pair, the port ranges allowed', () => {
    const r = podwall(['matrix', '-f', EX, '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const m = JSON.parse(r.stdout) as { workloads: { id: string }[]; outside: { id: string; kind: string }[]; edges: Edge[] };
    assert.deepEqual(m.workloads.map((w) => w.id), ['kube-system/coredns', 'monitoring/prometheus', 'shop/api', 'shop/db', 'shop/storefront']);
    assert.equal(allowedOn(m.edges, 'shop/storefront', 'shop/api'), 'TCP 9000-9000');
    assert.equal(allowedOn(m.edges, 'shop/storefront', 'shop/db'), '');
    assert.deepEqual(m.edges.find((e) => e.from === 'shop/storefront' && e.to === 'shop/db')!.ports, [
      { protocol: 'TCP', from: 1, to: 65535 },
      { protocol: 'UDP', from: 1, to: 65535 },
      { protocol: 'SCTP', from: 1, to: 65535 },
    ]);
    assert.equal(allowedOn(m.edges, 'shop/db', 'kube-system/coredns'), 'TCP 53-53, UDP 53-53');
    assert.equal(allowedOn(m.edges, 'shop/api', '*.stripe.com'), 'TCP 443-443');
    assert.ok(m.outside.some((o) => o.id === 'internet' && o.kind === 'internet'));
  });

  it('csv, md and dot carry the same allowed edges', () => {
    const csv = podwall(['matrix', '-f', EX, '--port', '9000', '-o', 'csv']).stdout;
    // the EKS data plane (the default) adds other_verdict,mechanisms: where the specification answers otherwise
    assert.match(csv, /^from,to,protocol,from_port,to_port,verdict,other_verdict,mechanisms\n/);
    assert.match(csv, /shop\/storefront,shop\/api,TCP,9000,9000,allow/);
    assert.match(podwall(['matrix', '-f', EX, '--port', '9000', '-o', 'md']).stdout, /\| shop\/storefront \| shop\/api \| TCP 9000 \| {2}\|/);
    const dot = podwall(['matrix', '-f', EX, '--port', '9000', '-o', 'dot']).stdout;
    assert.match(dot, /"shop\/storefront" -> "shop\/api" \[label="TCP 9000"\]/);
    assert.doesNotMatch(dot, /"shop\/storefront" -> "shop\/db"/);
    assert.match(dot, /subgraph cluster_outside/);
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
