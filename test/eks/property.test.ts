// The EKS pipeline and the specification engine, held to each other on random clusters: they agree on every
// connection except where the comparison names the EKS mechanism that makes the difference.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Dataplanes } from '../../src/eks/compare.js';
import { MECHANISMS, type Mechanism } from '../../src/eks/types.js';
import { buildCluster } from '../../src/model/build.js';
import type { Cluster } from '../../src/model/cluster.js';
import type { Protocol } from '../../src/net/protocol.js';
import type { Connection, Endpoint } from '../../src/model/endpoint.js';
import { parseAddress } from '../../src/net/ip.js';
import { randomEksCluster, serviceConnections } from './random.js';

const PORTS: [number, Protocol][] = [[80, 'TCP'], [443, 'TCP'], [8080, 'TCP'], [53, 'UDP']];

function connections(cluster: Cluster): Connection[] {
  const pods: Endpoint[] = cluster.pods.map((pod) => ({ kind: 'pod', pod }));
  const outside: Endpoint[] = ['8.8.8.8', '10.0.0.250', '10.0.0.1', '192.168.1.1', '2001:db8::1'].map((t) => ({ kind: 'external', address: parseAddress(t)! }));
  outside.push({ kind: 'external', domain: 'api.example.com' });
  const out: Connection[] = [];
  for (const from of pods) {
    for (const to of [...pods, ...outside]) for (const [port, protocol] of PORTS) out.push({ from, to, port, protocol });
    for (const n of cluster.nodes) out.push({ from, to: { kind: 'external', address: n.addresses[0]!, node: n }, port: 10250, protocol: 'TCP' });
  }
  for (const n of cluster.nodes) for (const to of pods) out.push({ from: { kind: 'external', address: n.addresses[0]!, node: n }, to, port: 8080, protocol: 'TCP' });
  out.push(...serviceConnections(cluster, pods));
  return out;
}

describe('EKS pipeline against the specification engine on random clusters', () => {
  it('every disagreement is explained by a named mechanism', () => {
    const seen = new Map<Mechanism, number>();
    let agree = 0;
    let differ = 0;
    for (let seed = 1; seed <= 24; seed++) {
      for (const mode of ['standard', 'strict'] as const) {
        const cluster = buildCluster(randomEksCluster(seed, { upstream: true, templates: seed % 2 === 0 }), { enforcingMode: mode });
        const planes = new Dataplanes(cluster, { version: seed % 3 === 0 ? 'main' : 'v1.4.1', compute: seed % 4 === 0 ? 'ec2' : 'auto' });
        for (const conn of connections(cluster)) {
          const c = planes.compare(conn);
          if (c.agree) {
            agree++;
            continue;
          }
          differ++;
          const what = () => `seed ${seed} ${mode}: ${c.eks.from} -> ${c.eks.to} ${conn.port}/${conn.protocol}${conn.service ? ` via ${conn.service.name}` : ''}: EKS ${c.eks.allowed ? 'allows' : 'denies'} (${c.eks.egress.reason} / ${c.eks.ingress.reason}), the spec ${c.kubernetes.allowed ? 'allows' : 'denies'}`;
          assert.ok(c.explained, `no mechanism explains: ${what()}`);
          for (const m of c.mechanisms) seen.set(m, (seen.get(m) ?? 0) + 1);
        }
      }
    }
    assert.ok(agree > 3 * differ, `mostly the same answers (${agree} agree, ${differ} differ)`);
    assert.ok(differ > 0, 'random clusters do hit EKS mechanisms');
    for (const m of seen.keys()) assert.ok(m in MECHANISMS);
    if (process.env.PODWALL_DEBUG) console.log([...seen.entries()]);
    // the mechanisms the generator is built to reach
    for (const m of ['identifier-sharing', 'ingress-named-port-union', 'except-shadows-rules', 'service-clusterip', 'node-primary-ip-only', 'upstream-kind-not-enforced'] as const) {
      assert.ok(seen.has(m), `random clusters reach ${m} (seen: ${[...seen.entries()].map(([k, v]) => `${k} ${v}`).join(', ')})`);
    }
  });
});
