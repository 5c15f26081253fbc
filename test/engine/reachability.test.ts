// The bulk form (classes and bitsets) must agree with Engine.decide on every pod pair and port.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAssertionFile } from '../../src/analysis/assertions.js';
import { ClassIndex } from '../../src/engine/classes.js';
import { Engine } from '../../src/engine/engine.js';
import { Reachability } from '../../src/engine/reachability.js';
import { count, has } from '../../src/engine/bitset.js';
import { portClasses } from '../../src/engine/ports.js';
import { parseDocuments } from '../../src/k8s/yaml.js';
import { buildCluster, type SourceObject } from '../../src/model/build.js';
import type { Cluster } from '../../src/model/cluster.js';
import type { Protocol } from '../../src/net/protocol.js';
import type { Endpoint } from '../../src/model/endpoint.js';
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

/**
 * Every pair of pods and peers outside (atoms, domain names, nodes), on every class of ports: the
 * bulk answer for the class's representative must be decide's on each range's ends and middle.
 */
function assertAgreesOnRanges(cluster: Cluster, label: string): { checked: number; denied: number; outside: number } {
  const engine = new Engine(cluster);
  const classes = new ClassIndex(cluster, engine.ctx);
  const reach = new Reachability(engine, classes);
  const classOf = new Map(classes.classes.flatMap((c) => c.pods.map((p) => [p, c] as const)));
  const ends: { endpoint: Endpoint; cls: (typeof classes.classes)[number]; name: string }[] = [
    ...cluster.pods.map((p) => ({ endpoint: { kind: 'pod' as const, pod: p }, cls: classOf.get(p)!, name: `${p.namespace}/${p.name}` })),
    ...classes.classes.filter((c) => c.outside).map((c) => ({ endpoint: c.rep, cls: c, name: c.outside!.name })),
  ];
  let checked = 0;
  let denied = 0;
  let outside = 0;
  for (const pc of portClasses([cluster])) {
    const rows = new Map([...reach.rows(pc.rep)].map((r) => [r.from, r.allowed]));
    for (const a of ends) {
      for (const b of ends) {
        if (a === b || (a.cls.outside && b.cls.outside)) continue;
        const bulk = has(rows.get(a.cls)!, b.cls.index);
        assert.equal(reach.allowed(a.cls, b.cls, pc.rep), bulk, `${label} (rows vs allowed): ${a.name} -> ${b.name}`);
        for (const r of pc.ranges) {
          for (const port of new Set([r.from, Math.floor((r.from + r.to) / 2), r.to])) {
            const expected = engine.decide({ from: a.endpoint, to: b.endpoint, port, protocol: r.protocol }).allowed;
            assert.equal(bulk, expected, `${label}: ${a.name} -> ${b.name} ${r.protocol} ${port} (class of ${pc.rep.protocol} ${pc.rep.port})`);
            checked++;
            if (!expected) denied++;
            if (a.cls.outside || b.cls.outside) outside++;
          }
        }
      }
    }
  }
  return { checked, denied, outside };
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

  for (const mode of ['standard', 'strict'] as const) {
    it(`with peers outside and port ranges, on random clusters (${mode} mode)`, () => {
      let checked = 0;
      let denied = 0;
      let outside = 0;
      for (let seed = 1; seed <= 30; seed++) {
        const r = assertAgreesOnRanges(buildCluster(randomCluster(seed), { enforcingMode: mode }), `seed ${seed}`);
        checked += r.checked;
        denied += r.denied;
        outside += r.outside;
      }
      assert.ok(denied > checked / 10 && denied < checked * 0.9, `${denied} of ${checked} denied`);
      assert.ok(outside > checked / 5, `only ${outside} of ${checked} probes with a peer outside`);
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
    for (let i = 0; i < 4; i++) {
      const hostNetwork = rnd(6) === 0;
      const app = pick(apps);
      // some pods have no node or no address (workload templates, pending pods)
      const nodeName = rnd(6) ? pick(['n1', 'n2']) : undefined;
      const podIP = rnd(5) === 0 ? undefined : hostNetwork ? pick(['192.168.0.1', '192.168.0.2']) : `10.0.0.${ip++}`;
      // pods of one app share a Deployment, so workloads hold pods that policies may tell apart
      objs.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `p${i}`, namespace: ns, labels: { app, 'pod-template-hash': 'abc', ...(rnd(2) ? { env: pick(['prod', 'dev']) } : {}) }, ownerReferences: [{ kind: 'ReplicaSet', name: `${app}-abc`, controller: true }] },
        spec: {
          hostNetwork,
          ...(nodeName ? { nodeName } : {}),
          containers: [{ name: 'c', ports: [{ containerPort: pick([80, 443]), name: 'http' }, { containerPort: 53, protocol: 'UDP', name: 'dns' }] }],
        },
        ...(podIP ? { status: { podIP } } : {}),
      });
    }
  }
  // Node objects may be missing for nodes that pods run on; n3 runs none of the pods
  for (const [name, zone, address] of [['n1', 'z1', '192.168.0.1'], ['n2', 'z2', '192.168.0.2'], ['n3', 'z1', '192.168.0.3']] as const) {
    if (rnd(3)) objs.push({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { zone } }, status: { addresses: [{ type: 'InternalIP', address }] } });
  }
  const sel = (): object => (rnd(3) === 0 ? {} : rnd(2) ? { matchLabels: { app: pick(apps) } } : { matchExpressions: [{ key: 'env', operator: pick(['In', 'NotIn', 'Exists', 'DoesNotExist']), ...(rnd(2) ? {} : {}) }].map((e) => (e.operator === 'In' || e.operator === 'NotIn' ? { ...e, values: ['prod'] } : e)) });
  const nsSel = (): object => (rnd(3) === 0 ? {} : { matchLabels: rnd(2) ? { tier: pick(['x', 'y']) } : { 'kubernetes.io/metadata.name': pick(nss) } });
  const npPorts = (): object[] | undefined => (rnd(2) ? undefined : [pick([{ port: 80 }, { port: 'http' }, { port: 'dns', protocol: 'UDP' }, { protocol: 'UDP' }, { port: 80, endPort: 443 }, { port: 8000, endPort: 9000 }])]);
  const npPeer = (): object =>
    pick([
      { podSelector: sel() },
      { namespaceSelector: nsSel() },
      { namespaceSelector: nsSel(), podSelector: sel() },
      { ipBlock: { cidr: '10.0.0.0/24', except: ['10.0.0.16/30'] } },
      { ipBlock: { cidr: '0.0.0.0/0' } },
      { ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } },
      { ipBlock: { cidr: '192.168.0.0/16', except: ['192.168.0.2/31'] } },
      { ipBlock: { cidr: '203.0.113.0/24' } },
      { ipBlock: { cidr: '2001:db8::/32' } },
    ]);
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
  // ApplicationNetworkPolicies: egress to domain names
  for (let i = 0; i < rnd(3); i++) {
    objs.push({
      apiVersion: 'networking.k8s.aws/v1alpha1',
      kind: 'ApplicationNetworkPolicy',
      metadata: { name: `anp${i}`, namespace: pick(nss) },
      spec: {
        podSelector: sel(),
        policyTypes: ['Egress'],
        egress: Array.from({ length: 1 + rnd(2) }, () => ({ to: [rnd(3) ? { domainNames: [pick(['*.example.com', 'api.example.com', 'example.org'])] } : npPeer()], ...(npPorts() ? { ports: npPorts() } : {}) })),
      },
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
      const action = pick(actions);
      // EKS and upstream ClusterNetworkPolicies may accept egress to domain names
      const domains = egress && action === 'Accept' && (kind === 'eks' || kind === 'cnp') && rnd(3) === 0;
      const base: Record<string, unknown> = { name: `r${rnd(100)}`, action, [egress ? 'to' : 'from']: [domains ? { domainNames: [pick(['*.example.com', 'api.example.com'])] } : cnpPeer(egress && kind !== 'eks')] };
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
  it('per pair and port range: allowed when some member pair is, partial when not all are, peers outside included', async () => {
    const { computeMatrix } = await import('../../src/analysis/matrix.js');
    const { workloadId } = await import('../../src/model/cluster.js');
    const { OutsideWorld } = await import('../../src/engine/outside.js');
    let partial = 0;
    let outside = 0;
    for (let seed = 1; seed <= 25; seed++) {
      const cluster = buildCluster(randomCluster(seed));
      const engine = new Engine(cluster);
      const world = new OutsideWorld([cluster]);
      const full = computeMatrix(engine, { outside: 'each', world });
      const allowedOnly = computeMatrix(engine, { allowedOnly: true, outside: 'each', world });
      assert.deepEqual(allowedOnly.edges, full.edges.filter((e) => e.allowed), `seed ${seed}: allowedOnly keeps exactly the allowed edges`);
      const membersOf = (id: string): Endpoint[] => {
        const peer = world.get(id);
        return peer ? [peer.rep] : cluster.pods.filter((p) => workloadId(p) === id).map((p) => ({ kind: 'pod' as const, pod: p }));
      };
      const covered = new Map<string, number>();
      for (const e of full.edges) {
        const sources = membersOf(e.from);
        const dests = membersOf(e.to);
        assert.ok(sources.length > 0 && dests.length > 0, `seed ${seed}: ${e.from} -> ${e.to} has members`);
        for (const r of e.ports) {
          covered.set(`${e.from}>${e.to}`, (covered.get(`${e.from}>${e.to}`) ?? 0) + r.to - r.from + 1);
          for (const port of new Set([r.from, Math.floor((r.from + r.to) / 2), r.to])) {
            let ok = 0;
            let all = 0;
            for (const a of sources) {
              for (const b of dests) {
                if (a === b || (a.kind === 'pod' && b.kind === 'pod' && a.pod === b.pod)) continue;
                all++;
                if (engine.decide({ from: a, to: b, port, protocol: r.protocol }).allowed) ok++;
              }
            }
            const where = `seed ${seed}: ${e.from} -> ${e.to} ${r.protocol} ${port}`;
            assert.ok(all > 0, `${where} has member pairs`);
            assert.equal(e.allowed, ok > 0, where);
            assert.equal(e.partial, ok > 0 && ok < all, `${where}: partial`);
          }
        }
        if (e.partial) partial++;
        if (world.get(e.from) || world.get(e.to)) outside++;
      }
      // every listed pair covers the whole port space of the three protocols, once
      for (const [pair, ports] of covered) assert.equal(ports, 3 * 65535, `seed ${seed}: ${pair} covers every port once`);
    }
    assert.ok(partial > 0, 'the generator must produce partial edges, or partial goes untested');
    assert.ok(outside > 0, 'the generator must produce peers outside');
  });

  it('summary mode folds nodes and shows one row toward every peer outside only when they all agree', async () => {
    const { computeMatrix, OUTSIDE } = await import('../../src/analysis/matrix.js');
    let folded = 0;
    for (let seed = 1; seed <= 25; seed++) {
      const cluster = buildCluster(randomCluster(seed));
      const engine = new Engine(cluster);
      const each = computeMatrix(engine, { outside: 'each' });
      const summary = computeMatrix(engine, { outside: 'summary' });
      const peers = each.outside.filter((o) => o.kind !== 'node').map((o) => o.id);
      if (cluster.nodes.length) peers.push('nodes');
      const answer = (edges: typeof each.edges, from: string, to: string): string =>
        JSON.stringify(edges.filter((e) => e.from === from && e.to === to).map((e) => [e.allowed, e.partial, e.ports]));
      for (const e of summary.edges) {
        if (e.to !== OUTSIDE && e.from !== OUTSIDE) continue;
        folded++;
        const w = e.to === OUTSIDE ? e.from : e.to;
        const one = answer(summary.edges, e.from, e.to);
        for (const p of peers.filter((x) => x !== 'nodes')) {
          const [from, to] = e.to === OUTSIDE ? [w, p] : [p, w];
          assert.equal(answer(each.edges, from, to), one, `seed ${seed}: ${from} -> ${to} folded into ${e.from} -> ${e.to}`);
        }
      }
    }
    assert.ok(folded > 0, 'some rows must fold');
  });
});
