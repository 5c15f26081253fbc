// The EKS data plane between the groups a large cluster's dashboard folds pods into (src/web/eks-groups.ts),
// held to what it must equal: around a namespace's workloads, the EKS matrix (computeMatrix under eks, its marks
// and mechanisms included); between folded namespaces, every pod pair decided one by one by both planes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateYaml } from '../../bench/generate.js';
import { computeMatrix, type MatrixEdge } from '../../src/analysis/matrix.js';
import { Dataplanes } from '../../src/eks/compare.js';
import { Engine } from '../../src/engine/engine.js';
import { OutsideWorld } from '../../src/engine/outside.js';
import { workloadId, type Cluster } from '../../src/model/cluster.js';
import type { Protocol } from '../../src/net/protocol.js';
import { eksGroupMatrix } from '../../src/web/eks-groups.js';
import { clusterFrom } from '../helpers.js';
import { namedPortsAtScale } from './eks-folded-cluster.js';

const PLANE = { name: 'eks' as const, version: 'v1.4.1', compute: 'auto' as const };
const ranges = (rs: { protocol: string; from: number; to: number }[]): string => rs.map((r) => `${r.protocol}:${r.from}-${r.to}`).join(',');
const key = (e: MatrixEdge): string =>
  `${e.from} -> ${e.to} ${e.allowed ? (e.partial ? 'partial' : 'allowed') : 'denied'} ${ranges(e.ports)}${e.disagreement ? ` <> ${e.disagreement.other} ${ranges(e.disagreement.ports)} ${e.disagreement.mechanisms.join('+')}` : ''}`;

/** Around each of a few namespaces: the groups' answer equals the EKS matrix's, pair by pair (workload ends only: the matrix lists nodes one by one, the groups fold them). */
function aroundNamespaces(cluster: Cluster, label: string): { checked: number; marked: number } {
  const engine = new Engine(cluster);
  const world = new OutsideWorld([cluster]);
  const planes = new Dataplanes(cluster, PLANE);
  const workload = (id: string): boolean => id.includes('/') && cluster.namespaces.has(id.split('/')[0]!);
  let checked = 0;
  let marked = 0;
  for (const ns of [...cluster.namespaces.keys()].slice(0, 4)) {
    const inNs = (id: string): boolean => id.startsWith(`${ns}/`);
    const expected = computeMatrix(engine, { namespaces: [ns], outside: 'each', world, dataplane: PLANE })
      .edges.filter((e) => (inNs(e.from) || inNs(e.to)) && workload(e.from) && workload(e.to))
      .map(key)
      .sort();
    const got = eksGroupMatrix(engine, planes, { world, groupOf: workloadId, inFocus: inNs, reading: 'pairs', denied: true })
      .edges.filter((e) => workload(e.from) && workload(e.to))
      .map(key)
      .sort();
    assert.deepEqual(got, expected, `${label}: namespace ${ns}`);
    checked += expected.length;
    marked += expected.filter((k) => k.includes(' <> ')).length;
  }
  return { checked, marked };
}

describe('eksGroupMatrix: workload pairs around a namespace (dashboard, large clusters)', () => {
  it('equals the EKS matrix on generated clusters', () => {
    for (const seed of [1, 2]) {
      const cluster = clusterFrom(generateYaml({ workload: 'typical', namespaces: 6, pods: 90, policies: 30, clusterPolicies: 4 }, seed));
      assert.ok(aroundNamespaces(cluster, `seed ${seed}`).checked > 0);
    }
  });

  it('equals the EKS matrix where named ports make the planes disagree, marks and mechanisms included', () => {
    const r = aroundNamespaces(clusterFrom(namedPortsAtScale()), 'named ports at scale');
    assert.ok(r.marked >= 160, `every web pod is marked (${r.marked} marked of ${r.checked})`);
  });
});

describe('eksGroupMatrix: folded namespaces', () => {
  const PROBES: [number, Protocol][] = [[53, 'UDP'], [53, 'TCP'], [443, 'TCP'], [5432, 'TCP'], [8080, 'TCP'], [9090, 'TCP'], [12345, 'TCP']];
  const covers = (rs: { protocol: string; from: number; to: number }[], port: number, protocol: string): boolean => rs.some((r) => r.protocol === protocol && r.from <= port && port <= r.to);

  /** Per namespace pair and probed port: allowed iff some pod pair is allowed on EKS; marked iff some pod pair is answered differently. */
  function againstEveryPodPair(cluster: Cluster, pairs?: [string, string][]): number {
    const engine = new Engine(cluster);
    const world = new OutsideWorld([cluster]);
    const planes = new Dataplanes(cluster, PLANE);
    const { edges } = eksGroupMatrix(engine, planes, { world, groupOf: (p) => p.namespace, reading: 'some', within: true });
    const namespaces = [...cluster.namespaces.keys()];
    let marks = 0;
    for (const [a, b] of pairs ?? namespaces.flatMap((x) => namespaces.map((y): [string, string] => [x, y]))) {
      const found = edges.filter((e) => e.from === a && e.to === b);
      for (const [port, protocol] of PROBES) {
        let eks = false;
        let differs = false;
        for (const p of cluster.pods.filter((x) => x.namespace === a)) {
          for (const q of cluster.pods.filter((x) => x.namespace === b)) {
            if (p === q) continue;
            const c = planes.compare({ from: { kind: 'pod', pod: p }, to: { kind: 'pod', pod: q }, port, protocol });
            eks ||= c.eks.allowed;
            differs ||= !c.agree;
          }
        }
        const at = `${a} -> ${b} ${protocol} ${port}`;
        assert.equal(found.some((e) => e.allowed && covers(e.ports, port, protocol)), eks, `${at}: allowed on EKS for some pod pair`);
        assert.equal(found.some((e) => e.disagreement && covers(e.disagreement.ports, port, protocol)), differs, `${at}: answered differently for some pod pair`);
        if (differs) marks++;
      }
    }
    return marks;
  }

  it('an edge where some pod pair may connect on EKS, marked where some pod pair is answered otherwise (generated clusters)', () => {
    for (const seed of [1, 3]) againstEveryPodPair(clusterFrom(generateYaml({ workload: 'typical', namespaces: 4, pods: 48, policies: 16, clusterPolicies: 3 }, seed)));
  });

  it('marks the named-port differences between folded namespaces, with their mechanisms', () => {
    // every pod pair decided twice: a dozen pods a side are enough for the mechanisms to show
    const cluster = clusterFrom(namedPortsAtScale(12, 10));
    assert.ok(againstEveryPodPair(cluster) >= 3);
    const { edges } = eksGroupMatrix(new Engine(cluster), new Dataplanes(cluster, PLANE), { world: new OutsideWorld([cluster]), groupOf: (p) => p.namespace, reading: 'some' });
    const toSrv = edges.filter((e) => e.from === 'cli' && e.to === 'srv');
    assert.deepEqual(toSrv.map((e) => e.disagreement?.mechanisms), [['ingress-named-port-union']]);
    const toDb = edges.filter((e) => e.from === 'cli' && e.to === 'db');
    assert.deepEqual(toDb.map(key), ['cli -> db denied TCP:5432-5432 <> allowed TCP:5432-5432 egress-named-port-dropped']);
  });
});
