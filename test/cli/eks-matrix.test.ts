// `podwall matrix` and `podwall diff` under both data planes, on a cluster where EKS opens a named port the
// specification does not: the ingress named port `http` resolves to 8080 on a/web and 9090 on a/api; EKS opens
// the union {8080, 9090} on both (issue 11, item 1), the specification each pod's own port.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { N1, np, ns, pod } from '../eks/fixtures.js';
import { clusterFrom, podwall } from '../helpers.js';
import { generateYaml } from '../../bench/generate.js';
import { Dataplanes } from '../../src/eks/compare.js';
import type { Mechanism } from '../../src/eks/types.js';
import { CONTROLLER_NEWEST, NEWEST_KNOWN } from '../../src/eks/versions.js';
import { workloadId } from '../../src/model/cluster.js';
import type { Protocol } from '../../src/net/protocol.js';
import type { Endpoint } from '../../src/model/endpoint.js';

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

describe('the exact EKS matrix above 3,000 pods', () => {
  it('is computed (no refusal), and its rows agree with explain on sampled pairs, mechanisms included', () => {
    // the benchmark's generator at 3,012 pods, with a policy in ns0 whose ingress named port http resolves to
    // each app's own port (8080, 443, 5432, 9090): EKS opens their union on every pod of ns0
    const dir = mkdtempSync(join(tmpdir(), 'podwall-eks-matrix-big-'));
    const file = join(dir, 'big.yaml');
    const union = np('ns0', 'http-union', 'podSelector: {}\ningress: [{ports: [{port: http}]}]');
    writeFileSync(file, generateYaml({ workload: 'typical', namespaces: 251, pods: 3012, policies: 300, clusterPolicies: 8 }) + union);
    const cluster = clusterFrom(readFileSync(file, 'utf8'));
    assert.ok(cluster.pods.filter((p) => !p.hostNetwork).length > 3000);
    const r = podwall(['matrix', '-f', file, '-n', 'ns0', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /data plane eks/);
    assert.doesNotMatch(r.stderr, /more than podwall computes|left without their mechanism/);
    const m = JSON.parse(r.stdout) as { edges: (Edge & { disagreement?: { other: string; mechanisms: string[]; ports: Edge['ports'] } })[] };
    // pairs of workloads (peers outside aside): compare() is asked on their pod pairs below
    const workloads = new Set(cluster.pods.map(workloadId));
    const marked = m.edges.filter((e) => e.disagreement && workloads.has(e.from) && workloads.has(e.to));
    const mechanisms = new Set(marked.flatMap((e) => e.disagreement!.mechanisms));
    assert.ok(mechanisms.has('ingress-named-port-union'), [...mechanisms].join(', '));
    // a few edges of each kind: marked with each mechanism, and unmarked ones allowed, partly allowed and denied
    const sample = [...mechanisms].map((k) => marked.find((e) => e.disagreement!.mechanisms.includes(k))!);
    for (const kind of [(e: Edge) => e.allowed && !e.partial, (e: Edge) => e.partial, (e: Edge) => !e.allowed]) {
      const e = m.edges.find((x) => !x.disagreement && kind(x) && workloads.has(x.from) && workloads.has(x.to));
      if (e) sample.push(e);
    }
    assert.ok(sample.length >= 3, 'edges of several kinds');
    const planes = new Dataplanes(cluster, { version: NEWEST_KNOWN, compute: 'auto', controller: CONTROLLER_NEWEST });
    const podsOf = (w: string): Endpoint[] => cluster.pods.filter((p) => workloadId(p) === w).map((pod) => ({ kind: 'pod', pod }));
    for (const e of sample) {
      const range = (e.disagreement?.ports ?? e.ports)[0]!;
      const x = podwall(['explain', '-f', file, '--from', e.from, '--to', e.to, '--port', String(range.from), '--protocol', range.protocol, '-o', 'json']);
      assert.equal(x.code, 0, x.stderr);
      const j = JSON.parse(x.stdout) as { pairs?: { total: number; allowed: number }; allowed: boolean; disagreements?: number };
      const answer = j.pairs ? (j.pairs.allowed === 0 ? 'denied' : j.pairs.allowed < j.pairs.total ? 'partial' : 'allowed') : j.allowed ? 'allowed' : 'denied';
      const where = `${e.from} -> ${e.to} ${range.protocol} ${range.from}`;
      assert.equal(answer, e.allowed ? (e.partial ? 'partial' : 'allowed') : 'denied', `${where}: explain's EKS answer`);
      // the other plane, and each mechanism named on the mark, as compare() finds them on the pod pairs
      const comparisons = podsOf(e.from).flatMap((a) => podsOf(e.to).filter((b) => b.kind === 'pod' && a.kind === 'pod' && a.pod !== b.pod).map((b) => planes.compare({ from: a, to: b, port: range.from, protocol: range.protocol as Protocol })));
      const spec = comparisons.filter((c) => c.kubernetes.allowed).length;
      const other = spec === 0 ? 'denied' : spec < comparisons.length ? 'partial' : 'allowed';
      if (e.disagreement) {
        assert.equal(e.disagreement.other, other, `${where}: the specification's answer`);
        assert.ok((j.disagreements ?? 0) > 0, `${where}: explain sees the disagreement`);
        for (const k of e.disagreement.mechanisms) assert.ok(comparisons.some((c) => c.mechanisms.includes(k as Mechanism)), `${where}: ${k} named on some pair`);
      } else assert.equal(other, answer, `${where}: both planes agree`);
    }
  });
});

describe('diff under the exact EKS data plane above 3,000 pods', () => {
  it('answers (no bound): the changes, as the specification shows them where the planes agree, and their explanations', () => {
    // 31 Deployments of 100 replicas (3,100 pods, every one an identifier of its own): d1 admits d2 on 80, then on
    // 8080 and from d3 on http (each replica's own port 80: EKS and the specification agree here)
    const dir = mkdtempSync(join(tmpdir(), 'podwall-eks-diff-big-'));
    const file = join(dir, 'big.yaml');
    const change = join(dir, 'change.yaml');
    const deployments = Array.from(
      { length: 31 },
      (_, i) => `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d${i}, namespace: big}\nspec: {replicas: 100, selector: {matchLabels: {app: d${i}}}, template: {metadata: {labels: {app: d${i}}}, spec: {containers: [{name: c, image: x, ports: [{containerPort: 80, name: http}]}]}}}\n`,
    );
    const policy = (ingress: string): string => np('big', 'd1-in', `podSelector: {matchLabels: {app: d1}}\npolicyTypes: [Ingress]\ningress: ${ingress}`);
    writeFileSync(file, [ns('big'), ...deployments].join('---\n') + policy('[{from: [{podSelector: {matchLabels: {app: d2}}}], ports: [{port: 80}]}]'));
    writeFileSync(change, policy('[{from: [{podSelector: {matchLabels: {app: d2}}}], ports: [{port: 8080}]}, {from: [{podSelector: {matchLabels: {app: d3}}}], ports: [{port: http}]}]'));
    const cluster = clusterFrom(readFileSync(file, 'utf8'));
    assert.ok(cluster.pods.filter((p) => !p.hostNetwork).length > 3000);
    const r = podwall(['diff', '-f', file, '--to', change, '-o', 'csv']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /data plane eks/);
    const spec = podwall(['diff', '--dataplane', 'kubernetes', '-f', file, '--to', change, '-o', 'csv']);
    assert.equal(spec.code, 1, spec.stderr);
    const rows = (csv: string): string[] => csv.split('\n').slice(1).filter(Boolean);
    const eks = rows(r.stdout);
    for (const [from, ports, kind] of [['big/d2', 'TCP,80,80', 'newly-denied'], ['big/d2', 'TCP,8080,8080', 'newly-allowed'], ['big/d3', 'TCP,80,80', 'newly-allowed']]) {
      assert.ok(eks.includes(`${from},big/d1,${ports},${kind},false,`), `${from} -> big/d1 ${ports} ${kind} in:\n${eks.join('\n')}`);
    }
    // the planes agree on this cluster: the EKS diff lists what the specification's lists, and nothing else
    assert.equal(eks.length, 3);
    assert.deepEqual(eks, rows(spec.stdout));
    // the text explains each change on the planes the matrices named their marks on
    const text = podwall(['diff', '-f', file, '--to', change]);
    assert.equal(text.code, 1, text.stderr);
    assert.match(text.stdout, /big\/d3 -> big\/d1 TCP 80/);
  });
});
