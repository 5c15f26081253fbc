// The matrix under the EKS data plane (classes refined by the agent's maps, sides decided once per entry) must
// give, for every pair of workloads and peers outside and every range of ports, exactly what the per-pair
// EKS decider gives over all their pod pairs; and its marks must sit exactly where the specification's answer
// (the engine, pair by pair) falls in another category.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeMatrix, type MatrixEdge } from '../../src/analysis/matrix.js';
import { Dataplanes } from '../../src/eks/compare.js';
import { NEWEST_KNOWN } from '../../src/eks/versions.js';
import type { Compute } from '../../src/eks/types.js';
import type { Endpoint } from '../../src/engine/endpoint.js';
import { OutsideWorld } from '../../src/engine/outside.js';
import { buildCluster } from '../../src/model/build.js';
import { workloadId, type Cluster } from '../../src/model/cluster.js';
import { randomEksCluster } from './random.js';
import { N1, np, ns, planes, pod } from './fixtures.js';

type Answer = 'allowed' | 'partial' | 'denied';

function check(cluster: Cluster, compute: Compute, version: string, label: string): { ranges: number; marks: number } {
  const planes = new Dataplanes(cluster, { version, compute });
  const world = new OutsideWorld([cluster]);
  const m = computeMatrix(planes.engine, { outside: 'each', world, dataplane: { name: 'eks', version, compute } });
  const ends = new Map<string, Endpoint[]>();
  for (const p of cluster.pods) ends.set(workloadId(p), [...(ends.get(workloadId(p)) ?? []), { kind: 'pod', pod: p }]);
  for (const peer of world.peers) ends.set(peer.name, [peer.rep]);
  const byPair = new Map<string, MatrixEdge[]>();
  for (const e of m.edges) byPair.set(`${e.from}>${e.to}`, [...(byPair.get(`${e.from}>${e.to}`) ?? []), e]);
  let ranges = 0;
  let marks = 0;
  for (const [k, edges] of byPair) {
    const [from, to] = k.split('>') as [string, string];
    for (const e of edges) {
      for (const r of e.ports) {
        for (const port of new Set([r.from, Math.floor((r.from + r.to) / 2), r.to])) {
          let eks = 0;
          let spec = 0;
          let total = 0;
          for (const a of ends.get(from)!) {
            for (const b of ends.get(to)!) {
              if (a.kind === 'pod' && b.kind === 'pod' && a.pod === b.pod) continue;
              const c = planes.compare({ from: a, to: b, port, protocol: r.protocol });
              total++;
              if (c.eks.allowed) eks++;
              if (c.kubernetes.allowed) spec++;
            }
          }
          const cat = (n: number): Answer => (n === 0 ? 'denied' : n < total ? 'partial' : 'allowed');
          const where = `${label}: ${from} -> ${to} ${r.protocol} ${port}`;
          assert.equal(e.allowed ? (e.partial ? 'partial' : 'allowed') : 'denied', cat(eks), `${where}: the EKS answer`);
          const marked = e.disagreement?.ports.some((x) => x.protocol === r.protocol && x.from <= port && port <= x.to);
          if (cat(spec) !== cat(eks)) {
            assert.ok(marked, `${where}: the specification answers ${cat(spec)}, EKS ${cat(eks)}: unmarked`);
            assert.equal(e.disagreement!.other, cat(spec), `${where}: the other plane's answer`);
            marks++;
          } else assert.ok(!marked, `${where}: marked though both answer ${cat(eks)}`);
          ranges++;
        }
      }
    }
  }
  return { ranges, marks };
}

describe('matrix under the EKS data plane', () => {
  it('agrees with the per-pair EKS decider, and marks exactly where the specification differs, on random clusters', () => {
    let ranges = 0;
    let marks = 0;
    for (let seed = 1; seed <= 12; seed++) {
      for (const compute of ['auto', 'ec2'] as const) {
        const cluster = buildCluster(randomEksCluster(seed, { upstream: seed % 3 === 0, templates: seed % 4 === 0 }));
        const r = check(cluster, compute, seed % 5 === 0 ? 'v1.4.0' : NEWEST_KNOWN, `seed ${seed} ${compute}`);
        ranges += r.ranges;
        marks += r.marks;
      }
    }
    // the clusters exercise both answers
    assert.ok(ranges > 1000, `${ranges} ranges checked`);
    assert.ok(marks > 20, `${marks} disagreements checked`);
  });
});

  it('tells apart pods the specification cannot when their maps differ (a shared pod identifier)', () => {
    // web-1 and api-1 look alike to the policies (labels, ports, node); web-1 shares the identifier web@a with
    // web-2, whose policy isolates ingress, so on EKS web-1 is isolated too and api-1 is not
    const yaml = [ns('a'), N1, pod('a', 'web-1', { app: 'web' }, '10.0.1.1'), pod('a', 'web-2', { app: 'db' }, '10.0.1.2'), pod('a', 'api-1', { app: 'web' }, '10.0.1.3'), pod('a', 'client-1', { app: 'client' }, '10.0.1.4'), np('a', 'db-isolated', 'podSelector: {matchLabels: {app: db}}\npolicyTypes: [Ingress]')].join('');
    const { cluster } = planes(yaml);
    const r = check(cluster, 'auto', NEWEST_KNOWN, 'identifier');
    assert.ok(r.marks > 0, 'EKS and the specification differ on web-1');
  });
