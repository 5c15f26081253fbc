// The matrix under the EKS data plane (classes refined by the agent's maps, sides decided once per entry) must
// give, for every pair of workloads and peers outside and every range of ports, exactly what the per-pair
// EKS decider gives over all their pod pairs; and its marks must sit exactly where the specification's answer
// (the engine, pair by pair) falls in another category.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EksJoint, type JointClass } from '../../src/analysis/eks-joint.js';
import { computeMatrix, groupClasses, queriesFor, type MatrixEdge } from '../../src/analysis/matrix.js';
import { ClassIndex } from '../../src/engine/classes.js';
import { Dataplanes } from '../../src/eks/compare.js';
import { NEWEST_KNOWN } from '../../src/eks/versions.js';
import type { Compute } from '../../src/eks/types.js';
import { OutsideWorld } from '../../src/engine/outside.js';
import { parseDocuments } from '../../src/k8s/yaml.js';
import { buildCluster, expandLists, type SourceObject } from '../../src/model/build.js';
import { workloadId, type Cluster } from '../../src/model/cluster.js';
import type { Endpoint } from '../../src/model/endpoint.js';
import { withoutNodes } from './matrix-cases.js';
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

/** The classes the EKS matrix decides by, and how many of them hold pods of a workload. */
function jointClasses(cluster: Cluster, version = NEWEST_KNOWN): { joint: EksJoint; holding(workload: string): number } {
  const planes = new Dataplanes(cluster, { version, compute: 'auto' });
  const classes = new ClassIndex(cluster, planes.engine.ctx, new OutsideWorld([cluster]));
  const { groups, members, index } = groupClasses(planes.engine, classes, 'each');
  const joint = new EksJoint(planes.eks, classes, queriesFor(planes.engine, {}), { G: groups.length, groupOfPod: (p) => index.get(workloadId(p)), outsideMembers: (c) => members[c.index]!, wanted: () => true });
  return { joint, holding: (w) => joint.joint.filter((j) => j.pods.some((p) => workloadId(p) === w)).length };
}

/** Pods of one StatefulSet: equal to every policy, each on its own node (or none) at its own address. */
function statefulPods(n: number, nodes: (i: number) => string | undefined): SourceObject[] {
  return Array.from({ length: n }, (_, i) => ({
    value: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `web-${i}`, namespace: 'a', labels: { app: 'web' }, ownerReferences: [{ kind: 'StatefulSet', name: 'web', controller: true }] },
      spec: { ...(nodes(i) ? { nodeName: nodes(i) } : {}), containers: [{ name: 'c', ports: [{ containerPort: 8080, name: 'http' }] }] },
      status: { podIP: `10.1.0.${i + 1}` },
    },
    file: 'web.yaml',
    line: i + 1,
  }));
}

const source = (yaml: string): SourceObject[] => expandLists(parseDocuments(yaml, 'test.yaml'));

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

  it('agrees with the per-pair EKS decider on random clusters without nodes (every pod a node address of its own)', () => {
    let ranges = 0;
    for (let seed = 21; seed <= 26; seed++) {
      const cluster = buildCluster(withoutNodes(randomEksCluster(seed, { templates: seed % 2 === 0 })));
      ranges += check(cluster, seed % 2 ? 'auto' : 'ec2', NEWEST_KNOWN, `seed ${seed} without nodes`).ranges;
    }
    assert.ok(ranges > 300, `${ranges} ranges checked`);
  });

  it('puts pods whose maps differ only in a node entry nobody is at into one class', () => {
    // without Node objects each node's address is a placeholder no endpoint has: six pods on six nodes, and
    // six without a node (a placeholder each), are alike to EKS as to the specification
    const policy = source(ns('a') + pod('a', 'client', { app: 'c' }, '10.1.0.100') + np('a', 'web', 'podSelector: {matchLabels: {app: web}}\ningress: [{from: [{podSelector: {matchLabels: {app: c}}}], ports: [{port: http}]}]'));
    const spread = buildCluster([...policy.filter((o) => (o.value as { kind: string }).kind !== 'Node'), ...statefulPods(6, (i) => `n${i}`)]);
    assert.equal(jointClasses(spread).holding('a/web'), 1);
    check(spread, 'auto', NEWEST_KNOWN, 'six nodes');
    const unscheduled = buildCluster([...policy.filter((o) => (o.value as { kind: string }).kind !== 'Node'), ...statefulPods(6, () => undefined)]);
    assert.equal(jointClasses(unscheduled).holding('a/web'), 1);
    check(unscheduled, 'auto', NEWEST_KNOWN, 'no nodes');
  });

  it('tells apart pods of one specification class by their maps\' content', () => {
    // web-* and api-* pods look alike to the policies (labels, ports, one node); web-x shares the identifier
    // web@a (and node n0) with the web-* pods, and its policy isolates their ingress on EKS, not the api-* ones'
    const stateful = (name: string, i: number, app: string, kind = 'StatefulSet'): SourceObject => ({
      value: { apiVersion: 'v1', kind: 'Pod', metadata: { name: `${name}-${i}`, namespace: 'a', labels: { app }, ownerReferences: [{ kind, name, controller: true }] }, spec: { nodeName: 'n0', containers: [{ name: 'c' }] }, status: { podIP: `10.1.${name.length}.${i + 1}` } },
      file: 'pods.yaml',
      line: i + 1,
    });
    const objs = source(ns('a') + pod('a', 'client', { app: 'c' }, '10.1.0.100', { node: 'n0' }) + np('a', 'db', 'podSelector: {matchLabels: {app: db}}\npolicyTypes: [Ingress]'));
    const pods = [0, 1, 2, 3].flatMap((i) => [stateful('web', i, 'web'), stateful('api', i, 'web')]);
    const cluster = buildCluster([...objs, ...pods, stateful('web', 9, 'db', 'Job')]);
    const { joint } = jointClasses(cluster);
    const of = (name: string): JointClass => joint.joint.find((j) => j.pods.some((p) => p.name === name))!;
    assert.equal(of('web-0').spec, of('api-0').spec, 'one class to the specification');
    assert.notEqual(of('web-0'), of('api-0'));
    assert.equal(of('web-0'), of('web-3'));
    assert.equal(of('api-0'), of('api-3'));
    const r = check(cluster, 'auto', NEWEST_KNOWN, 'identifier content');
    assert.ok(r.marks > 0, 'EKS isolates the web-* pods, the specification does not');
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
