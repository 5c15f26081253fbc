// `podwall matrix` and `podwall diff` under both data planes, on a cluster where EKS opens a named port the
// specification does not: the ingress named port `http` resolves to 8080 on a/web and 9090 on a/api; EKS opens
// the union {8080, 9090} on both (issue 11, item 1), the specification each pod's own port.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { N1, np, ns, pod } from '../eks/fixtures.js';
import { podwall } from '../helpers.js';

const yaml =
  ns('a') +
  N1 +
  pod('a', 'web', { app: 'web' }, '10.1.0.1') +
  pod('a', 'api', { app: 'web' }, '10.1.0.2', { ports: '[{containerPort: 9090, name: http}]' }) +
  pod('a', 'client', { app: 'c' }, '10.1.0.3');
const policy = np('a', 'p', 'podSelector: {matchLabels: {app: web}}\ningress: [{ports: [{port: http}]}]');

function files(): { current: string; proposed: string } {
  const dir = mkdtempSync(join(tmpdir(), 'podwall-eks-matrix-'));
  const current = join(dir, 'current.yaml');
  const proposed = join(dir, 'proposed.yaml');
  writeFileSync(current, yaml);
  writeFileSync(proposed, policy);
  return { current, proposed };
}

interface Edge {
  from: string;
  to: string;
  allowed: boolean;
  partial: boolean;
  ports: { protocol: string; from: number; to: number }[];
  disagreement?: { ports: { protocol: string; from: number; to: number }[]; other: string; mechanisms: string[] };
}

describe('matrix and diff under both data planes', () => {
  const { current, proposed } = files();
  const withPolicy = (): string => {
    const f = join(mkdtempSync(join(tmpdir(), 'podwall-eks-matrix-')), 'all.yaml');
    writeFileSync(f, yaml + policy);
    return f;
  };

  it('matrix -o json: EKS opens both named-port targets on each pod and marks the one the specification denies', () => {
    const r = podwall(['matrix', '-f', withPolicy(), '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /data plane eks: modelling EKS agent v\d/);
    const m = JSON.parse(r.stdout) as { dataplane: { name: string }; edges: Edge[] };
    assert.equal(m.dataplane.name, 'eks');
    const allowed = m.edges.find((e) => e.from === 'a/client' && e.to === 'a/web' && e.allowed)!;
    assert.deepEqual(allowed.ports, [{ protocol: 'TCP', from: 8080, to: 8080 }, { protocol: 'TCP', from: 9090, to: 9090 }]);
    assert.deepEqual(allowed.disagreement, { ports: [{ protocol: 'TCP', from: 9090, to: 9090 }], other: 'denied', mechanisms: ['ingress-named-port-union'] });
    const toApi = m.edges.find((e) => e.from === 'a/client' && e.to === 'a/api' && e.allowed)!;
    assert.deepEqual(toApi.ports, [{ protocol: 'TCP', from: 8080, to: 8080 }, { protocol: 'TCP', from: 9090, to: 9090 }]);
    assert.deepEqual(toApi.disagreement?.ports, [{ protocol: 'TCP', from: 8080, to: 8080 }]);
    // the denied rest agrees: no mark
    const denied = m.edges.find((e) => e.from === 'a/client' && e.to === 'a/web' && !e.allowed)!;
    assert.equal(denied.disagreement, undefined);
    // unselected a/client accepts everything on both planes
    assert.ok(!m.edges.some((e) => e.to === 'a/client' && (!e.allowed || e.disagreement)));
  });

  it('matrix --dataplane kubernetes gives the specification, unmarked', () => {
    const r = podwall(['matrix', '-f', withPolicy(), '-o', 'json', '--dataplane', 'kubernetes']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /data plane kubernetes/);
    const m = JSON.parse(r.stdout) as { edges: Edge[] };
    const allowed = m.edges.find((e) => e.from === 'a/client' && e.to === 'a/web' && e.allowed)!;
    assert.deepEqual(allowed.ports, [{ protocol: 'TCP', from: 8080, to: 8080 }]);
    assert.ok(m.edges.every((e) => e.disagreement === undefined));
  });

  it('matrix table and csv name the mechanism on the disagreeing row only', () => {
    const t = podwall(['matrix', '-f', withPolicy()]);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /EKS≠SPEC/);
    const row = t.stdout.split('\n').find((l) => /^a\/client\s+a\/web\s/.test(l))!;
    assert.match(row, /TCP 8080,9090 .*TCP 9090 spec: deny \(ingress-named-port-union\)/);
    assert.ok(!/spec:/.test(t.stdout.split('\n').find((l) => /^a\/web\s+a\/client\s/.test(l))!));
    const c = podwall(['matrix', '-f', withPolicy(), '-o', 'csv']);
    assert.match(c.stdout, /^from,to,protocol,from_port,to_port,verdict,other_verdict,mechanisms\n/);
    assert.match(c.stdout, /\na\/client,a\/web,TCP,9090,9090,allow,deny,ingress-named-port-union\n/);
    assert.match(c.stdout, /\na\/client,a\/web,TCP,8080,8080,allow,,\n/);
  });

  it('diff: adding the policy closes the same ports on both planes except where EKS keeps the union open', () => {
    const eks = podwall(['diff', '-f', current, '--to', proposed, '-o', 'json']);
    assert.equal(eks.code, 1, eks.stderr);
    assert.match(eks.stderr, /data plane eks/);
    const d = JSON.parse(eks.stdout) as { changes: { from: string; to: string; change: string; ports: Edge['ports']; disagreement?: { ports: Edge['ports']; mechanisms: string[] }; after: string }[] };
    const web = d.changes.find((c) => c.from === 'a/client' && c.to === 'a/web')!;
    assert.equal(web.change, 'newly-denied');
    // EKS still allows 9090 to a/web afterwards, so it is not among the closed ports
    assert.ok(!web.ports.some((r) => r.protocol === 'TCP' && r.from <= 9090 && 9090 <= r.to));
    assert.ok(web.ports.some((r) => r.protocol === 'TCP' && r.from <= 9089 && 9089 <= r.to));
    const spec = podwall(['diff', '-f', current, '--to', proposed, '-o', 'json', '--dataplane', 'kubernetes']);
    const s = JSON.parse(spec.stdout) as typeof d;
    const sweb = s.changes.find((c) => c.from === 'a/client' && c.to === 'a/web')!;
    assert.ok(sweb.ports.some((r) => r.protocol === 'TCP' && r.from <= 9090 && 9090 <= r.to), 'the specification closes 9090 to a/web');
    assert.ok(s.changes.every((c) => c.disagreement === undefined));
    assert.equal((s as { otherPlaneOnly?: unknown }).otherPlaneOnly, undefined);
    // under eks, the port the specification closes but EKS keeps open is listed apart, as the other plane's
    const only = (d as { otherPlaneOnly?: { from: string; to: string; change: string; ports: Edge['ports'] }[] }).otherPlaneOnly ?? [];
    assert.deepEqual(only.find((c) => c.from === 'a/client' && c.to === 'a/web'), { from: 'a/client', to: 'a/web', ports: [{ protocol: 'TCP', from: 9090, to: 9090 }], change: 'newly-denied' });
    assert.deepEqual(only.find((c) => c.from === 'a/client' && c.to === 'a/api')?.ports, [{ protocol: 'TCP', from: 8080, to: 8080 }]);
    const text = podwall(['diff', '-f', current, '--to', proposed]);
    assert.match(text.stdout, /only on the other data plane[^\n]*\n(  .*\n)*  - deny  a\/client -> a\/web TCP 9090\n/);
  });
});

describe('the exact EKS matrix has a size bound', () => {
  it('above it, matrix and diff exit 2 naming what works instead; the specification still answers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-eks-matrix-big-'));
    const file = join(dir, 'big.yaml');
    const pods = Array.from({ length: 3001 }, (_, i) => `apiVersion: v1\nkind: Pod\nmetadata: {name: p${i}, namespace: big, labels: {app: a}}\nspec: {containers: [{name: c, image: x}]}\nstatus: {podIP: 10.9.${Math.floor(i / 250)}.${(i % 250) + 1}}\n`);
    writeFileSync(file, pods.join('---\n'));
    for (const args of [['matrix', '-f', file, '--port', '80'], ['diff', '-f', file, '--to', file]]) {
      const r = podwall(args);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /the exact EKS matrix of 3001 pods is more than podwall computes today \(at most 3000.*use --dataplane kubernetes/);
    }
    // what reaches in and out of each of the 3001 pods (the whole matrix would be 9 million rows)
    const spec = podwall(['matrix', '--dataplane', 'kubernetes', '-f', file, '--port', '80', '--exposure', '-o', 'csv']);
    assert.equal(spec.code, 0, spec.stderr);
    assert.ok(spec.stdout.split('\n').filter(Boolean).length > 3001, spec.stdout.slice(0, 300));
  });
});
