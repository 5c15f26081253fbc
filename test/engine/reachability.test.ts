// The bulk form (classes and bitsets) must agree with Engine.decide on every pod pair and port.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAssertionFile } from '../../src/analysis/assertions.js';
import { ClassIndex } from '../../src/engine/classes.js';
import { Engine } from '../../src/engine/engine.js';
import { Reachability } from '../../src/engine/reachability.js';
import { count } from '../../src/engine/bitset.js';
import { parseDocuments } from '../../src/k8s/yaml.js';
import { buildCluster, type SourceObject } from '../../src/model/build.js';
import type { Cluster, Protocol } from '../../src/model/cluster.js';
import { expandPaths, readText } from '../../src/sources/files.js';
import { ROOT } from '../helpers.js';

function assertAgrees(cluster: Cluster, label: string): { checked: number; denied: number } {
  const engine = new Engine(cluster);
  const classes = new ClassIndex(cluster, engine.ctx);
  const reach = new Reachability(engine, classes);
  const classOf = new Map(classes.classes.flatMap((c) => c.pods.map((p) => [p, c] as const)));
  const queries = new Map<string, { port: number; protocol: Protocol }>();
  for (const p of cluster.pods) for (const cp of p.ports) queries.set(`${cp.port}/${cp.protocol}`, { port: cp.port, protocol: cp.protocol });
  queries.set('9999/TCP', { port: 9999, protocol: 'TCP' });
  let checked = 0;
  let denied = 0;
  for (const q of queries.values()) {
    const rows = new Map([...reach.rows(q)].map((r) => [r.from, r.allowed]));
    for (const a of cluster.pods) {
      for (const b of cluster.pods) {
        if (a === b) continue;
        const expected = engine.decide({ from: { kind: 'pod', pod: a }, to: { kind: 'pod', pod: b }, port: q.port, protocol: q.protocol }).allowed;
        const ca = classOf.get(a)!;
        const cb = classOf.get(b)!;
        assert.equal(reach.allowed(ca, cb, q), expected, `${label}: ${a.namespace}/${a.name} -> ${b.namespace}/${b.name} ${q.port}/${q.protocol}`);
        const inRow = (rows.get(ca)![cb.index >>> 5]! & (1 << (cb.index & 31))) !== 0;
        assert.equal(inRow, expected, `${label} (rows): ${a.namespace}/${a.name} -> ${b.namespace}/${b.name} ${q.port}/${q.protocol}`);
        checked++;
        if (!expected) denied++;
      }
    }
  }
  return { checked, denied };
}

describe('reachability agrees with decide', () => {
  it('on every conformance cluster', () => {
    let checked = 0;
    for (const path of expandPaths([join(ROOT, 'test', 'conformance')]).filter((p) => p.endsWith('.yaml'))) {
      const file = parseAssertionFile(parseDocuments(readText(path), path), path);
      checked += assertAgrees(buildCluster(file.manifests), path).checked;
    }
    assert.ok(checked > 40000, `only ${checked} pairs checked`);
  });

  for (const mode of ['standard', 'strict'] as const) {
    it(`on random clusters mixing every policy kind (${mode} mode)`, () => {
      let checked = 0;
      let denied = 0;
      for (let seed = 1; seed <= 60; seed++) {
        const r = assertAgrees(buildCluster(randomCluster(seed), { enforcingMode: mode }), `seed ${seed}`);
        checked += r.checked;
        denied += r.denied;
      }
      // the generator must produce both answers, or the comparison proves little
      assert.ok(denied > checked / 10 && denied < checked * 0.9, `${denied} of ${checked} denied`);
    });
  }

  it('counts rows as bitsets', () => {
    const cluster = buildCluster(randomCluster(7));
    const engine = new Engine(cluster);
    const reach = new Reachability(engine, new ClassIndex(cluster, engine.ctx));
    const total = [...reach.rows({ port: 80, protocol: 'TCP' })].reduce((n, r) => n + count(r.allowed), 0);
    assert.ok(total >= 0 && total <= reach.classes.size ** 2);
  });
});

/** A small deterministic random cluster with NetworkPolicies, ApplicationNetworkPolicies and every cluster tier kind. */
export function randomCluster(seed: number): SourceObject[] {
  let s = seed * 2654435761;
  const rnd = (n: number): number => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % n;
  };
  const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)]!;
  const objs: unknown[] = [];
  const nss = ['a', 'b', 'c'];
  for (const ns of nss) objs.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { tier: pick(['x', 'y']) } } });
  const apps = ['web', 'api', 'db'];
  let ip = 10;
  for (const ns of nss) {
    for (let i = 0; i < 3; i++) {
      const hostNetwork = rnd(10) === 0;
      const app = pick(apps);
      // pods of one app share a Deployment, so workloads hold pods that policies may tell apart
      objs.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `p${i}`, namespace: ns, labels: { app, 'pod-template-hash': 'abc', ...(rnd(2) ? { env: pick(['prod', 'dev']) } : {}) }, ownerReferences: [{ kind: 'ReplicaSet', name: `${app}-abc`, controller: true }] },
        spec: {
          hostNetwork,
          nodeName: pick(['n1', 'n2']),
          containers: [{ name: 'c', ports: [{ containerPort: pick([80, 443]), name: 'http' }, { containerPort: 53, protocol: 'UDP', name: 'dns' }] }],
        },
        status: { podIP: hostNetwork ? pick(['192.168.0.1', '192.168.0.2']) : `10.0.0.${ip++}` },
      });
    }
  }
  objs.push({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { zone: 'z1' } }, status: { addresses: [{ type: 'InternalIP', address: '192.168.0.1' }] } });
  objs.push({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2', labels: { zone: 'z2' } }, status: { addresses: [{ type: 'InternalIP', address: '192.168.0.2' }] } });
  const sel = (): object => (rnd(3) === 0 ? {} : rnd(2) ? { matchLabels: { app: pick(apps) } } : { matchExpressions: [{ key: 'env', operator: pick(['In', 'NotIn', 'Exists', 'DoesNotExist']), ...(rnd(2) ? {} : {}) }].map((e) => (e.operator === 'In' || e.operator === 'NotIn' ? { ...e, values: ['prod'] } : e)) });
  const nsSel = (): object => (rnd(3) === 0 ? {} : { matchLabels: rnd(2) ? { tier: pick(['x', 'y']) } : { 'kubernetes.io/metadata.name': pick(nss) } });
  const npPorts = (): object[] | undefined => (rnd(2) ? undefined : [pick([{ port: 80 }, { port: 'http' }, { port: 'dns', protocol: 'UDP' }, { protocol: 'UDP' }, { port: 80, endPort: 443 }])]);
  const npPeer = (): object => pick([{ podSelector: sel() }, { namespaceSelector: nsSel() }, { namespaceSelector: nsSel(), podSelector: sel() }, { ipBlock: { cidr: '10.0.0.0/24', except: ['10.0.0.16/30'] } }, { ipBlock: { cidr: '0.0.0.0/0' } }]);
  for (let i = 0; i < 1 + rnd(5); i++) {
    const ns = pick(nss);
    const types = pick([['Ingress'], ['Egress'], ['Ingress', 'Egress'], undefined]);
    const rules = (key: string): object[] => Array.from({ length: rnd(3) }, () => ({ ...(rnd(4) ? { [key]: [npPeer()] } : {}), ...(npPorts() ? { ports: npPorts() } : {}) }));
    objs.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `np${i}`, namespace: ns },
      spec: { podSelector: sel(), ...(types ? { policyTypes: types } : {}), ingress: rules('from'), egress: rules('to') },
    });
  }
  const anpPort = (): object[] | undefined => (rnd(2) ? undefined : [pick([{ portNumber: { port: 80 } }, { namedPort: 'http' }, { portRange: { start: 50, end: 100, protocol: 'UDP' } }])]);
  const cnpPeer = (egress: boolean): object =>
    pick([{ namespaces: nsSel() }, { pods: { namespaceSelector: nsSel(), podSelector: sel() } }, ...(egress ? [{ networks: ['10.0.0.0/28', '192.168.0.0/16'] }, { nodes: { matchLabels: { zone: 'z1' } } }] : [])]);
  for (let i = 0; i < rnd(4); i++) {
    const kind = pick(['eks', 'anp', 'banp', 'cnp']);
    const tier = pick(['Admin', 'Baseline']);
    const actions = kind === 'banp' ? ['Allow', 'Deny'] : kind === 'anp' ? ['Allow', 'Deny', 'Pass'] : ['Accept', 'Deny', 'Pass'];
    const rule = (egress: boolean): object => {
      const base: Record<string, unknown> = { name: `r${rnd(100)}`, action: pick(actions), [egress ? 'to' : 'from']: [cnpPeer(egress && kind !== 'eks')] };
      const ports = anpPort();
      if (ports && kind !== 'cnp') base.ports = ports;
      if (ports && kind === 'cnp') base.protocols = [pick([{ tcp: { destinationPort: { number: 80 } } }, { destinationNamedPort: 'http' }, { udp: {} }])];
      return base;
    };
    const spec: Record<string, unknown> = {
      subject: rnd(2) ? { namespaces: nsSel() } : { pods: { namespaceSelector: nsSel(), podSelector: sel() } },
      ingress: Array.from({ length: rnd(3) }, () => rule(false)),
      egress: Array.from({ length: rnd(3) }, () => rule(true)),
    };
    if (kind !== 'banp') spec.priority = pick([1, 5, 5, 9]);
    if (kind === 'eks' || kind === 'cnp') spec.tier = tier;
    const meta = { apiVersion: { eks: 'networking.k8s.aws/v1alpha1', anp: 'policy.networking.k8s.io/v1alpha1', banp: 'policy.networking.k8s.io/v1alpha1', cnp: 'policy.networking.k8s.io/v1alpha2' }[kind], kind: { eks: 'ClusterNetworkPolicy', anp: 'AdminNetworkPolicy', banp: 'BaselineAdminNetworkPolicy', cnp: 'ClusterNetworkPolicy' }[kind] };
    objs.push({ ...meta, metadata: { name: kind === 'banp' ? 'default' : `${kind}${i}` }, spec });
  }
  return objs.map((value, i) => ({ value, file: `random-${seed}`, line: i + 1 }));
}

describe('the workload matrix agrees with decide', () => {
  it('allowed when some pod pair is, partial when not all are, denied pairs listed unless allowedOnly', async () => {
    const { computeMatrix } = await import('../../src/analysis/matrix.js');
    const { workloadId } = await import('../../src/model/cluster.js');
    let partial = 0;
    for (let seed = 1; seed <= 25; seed++) {
      const cluster = buildCluster(randomCluster(seed));
      const engine = new Engine(cluster);
      const full = computeMatrix(engine);
      const allowedOnly = computeMatrix(engine, { allowedOnly: true });
      assert.deepEqual(allowedOnly.edges, full.edges.filter((e) => e.allowed), `seed ${seed}: allowedOnly keeps exactly the allowed edges`);
      for (const e of full.edges) {
        const sources = cluster.pods.filter((p) => workloadId(p) === e.from);
        const dests = cluster.pods.filter((p) => workloadId(p) === e.to && p.ports.some((cp) => cp.port === e.port && cp.protocol === e.protocol));
        let ok = 0;
        let all = 0;
        for (const a of sources) {
          for (const b of dests) {
            if (a === b) continue;
            all++;
            if (engine.decide({ from: { kind: 'pod', pod: a }, to: { kind: 'pod', pod: b }, port: e.port, protocol: e.protocol }).allowed) ok++;
          }
        }
        assert.ok(all > 0, `seed ${seed}: ${e.from} -> ${e.to} has pod pairs`);
        assert.equal(e.allowed, ok > 0, `seed ${seed}: ${e.from} -> ${e.to} ${e.port}/${e.protocol}`);
        assert.equal(e.partial, ok > 0 && ok < all, `seed ${seed}: partial ${e.from} -> ${e.to}`);
        if (e.partial) partial++;
      }
    }
    assert.ok(partial > 0, 'the generator must produce partial edges, or partial goes untested');
  });
});
