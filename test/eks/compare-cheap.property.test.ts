// The comparison that switches only the mechanisms able to touch a connection (compare.ts) must name exactly
// what the comparison that switches every mechanism on every disagreement named (compare-reference.ts), on
// every connection of random clusters: every policy kind EKS reads, strict and standard mode, EC2 and Auto
// Mode, old and new agents and controllers, and the features each mechanism acts on (named ports of every
// kind, domain names, excepts, rules outside policyTypes, Services, IPv6 peers, nodes with two addresses).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AGENT_READS, CONTROLLER_READS, Dataplanes, relevantMechanisms } from '../../src/eks/compare.js';
import { MECHANISMS, type Mechanism } from '../../src/eks/types.js';
import { buildCluster, type SourceObject } from '../../src/model/build.js';
import type { Cluster } from '../../src/model/cluster.js';
import type { Protocol } from '../../src/net/protocol.js';
import type { Connection, Endpoint } from '../../src/model/endpoint.js';
import { parseAddress } from '../../src/net/ip.js';
import { ReferenceDataplanes } from './compare-reference.js';
import { randomEksCluster, serviceConnections } from './random.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const PORTS: [number, Protocol][] = [[80, 'TCP'], [443, 'TCP'], [8080, 'TCP'], [9000, 'TCP'], [53, 'UDP']];

/** Policies the shared generator writes rarely or never: named ports for cluster policies and domain names, ANP egress without `to`. */
function extras(seed: number): SourceObject[] {
  let s = seed * 7919 + 13;
  const rnd = (n: number): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % n;
  };
  const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)]!;
  const objs: unknown[] = [];
  const cnpPorts = (): object => pick([{ ports: [{ namedPort: 'http' }] }, { ports: [{ namedPort: 'http' }, { portNumber: { port: 443, protocol: 'TCP' } }] }, {}]);
  if (rnd(2)) {
    objs.push({
      apiVersion: 'networking.k8s.aws/v1alpha1',
      kind: 'ClusterNetworkPolicy',
      metadata: { name: 'x-cnp' },
      spec: {
        tier: pick(['Admin', 'Baseline']),
        priority: pick([2, 5]),
        subject: pick([{ namespaces: {} }, { pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: pick(['web', 'api', 'db']) } } } }]),
        ingress: [{ name: 'i', action: pick(['Accept', 'Deny']), from: pick([[{ pods: { namespaceSelector: { matchLabels: { missing: 'x' } }, podSelector: {} } }, { namespaces: {} }], [{ namespaces: {} }]]), ...cnpPorts() }],
        egress: [
          { name: 'e', action: pick(['Accept', 'Deny']), to: [pick([{ networks: ['10.0.0.0/24'] }, { pods: { namespaceSelector: {}, podSelector: {} } }])], ...cnpPorts() },
          ...(rnd(2) ? [{ name: 'd', action: 'Accept', to: [{ domainNames: ['api.example.com'] }], ...cnpPorts() }] : []),
        ],
      },
    });
  }
  if (rnd(2)) {
    objs.push({
      apiVersion: 'networking.k8s.aws/v1alpha1',
      kind: 'ApplicationNetworkPolicy',
      metadata: { name: 'x-anp', namespace: pick(['a', 'b']) },
      spec: {
        podSelector: pick([{}, { matchLabels: { app: 'web' } }]),
        ...(rnd(2) ? { policyTypes: ['Egress'] } : {}),
        egress: [pick([{ ports: [{ port: 'http' }] }, { to: [{ domainNames: ['api.example.com'] }], ports: [{ port: 'http' }] }, { to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ port: 'http' }, { port: 443 }] }])],
      },
    });
  }
  return objs.map((value, i) => ({ value, file: `extras-${seed}`, line: i + 1 }));
}

function connections(cluster: Cluster): Connection[] {
  const pods: Endpoint[] = cluster.pods.map((pod) => ({ kind: 'pod', pod }));
  const outside: Endpoint[] = ['8.8.8.8', '10.0.0.250', '192.168.1.1', '192.168.0.2', '2001:db8::1', '172.20.0.10'].map((t) => ({ kind: 'external', address: parseAddress(t)! }));
  outside.push({ kind: 'external', domain: 'api.example.com' });
  const out: Connection[] = [];
  for (const from of pods) {
    for (const to of [...pods, ...outside]) for (const [port, protocol] of PORTS) out.push({ from, to, port, protocol });
    for (const n of cluster.nodes) out.push({ from, to: { kind: 'external', address: n.addresses[0]!, node: n }, port: 10250, protocol: 'TCP' });
  }
  for (const from of outside.slice(0, 5)) for (const to of pods) out.push({ from, to, port: 80, protocol: 'TCP' });
  for (const n of cluster.nodes) for (const a of n.addresses) for (const to of pods) out.push({ from: { kind: 'external', address: a, node: n }, to, port: 8080, protocol: 'TCP' });
  out.push(...serviceConnections(cluster, pods));
  return out;
}

describe('the cheap comparison against switching every mechanism', () => {
  it('names the same mechanisms on every connection of random clusters', () => {
    let differ = 0;
    let skipped = 0;
    const named = new Set<Mechanism>();
    for (let seed = 1; seed <= 32; seed++) {
      const mode = seed % 2 ? 'strict' : 'standard';
      const cluster = buildCluster([...randomEksCluster(seed * 31, { upstream: seed % 3 === 0, templates: seed % 4 === 0 }), ...extras(seed)], { enforcingMode: mode });
      const options = { version: pick3(seed, ['main', 'v1.4.1', 'v1.3.6']), compute: seed % 4 < 2 ? ('ec2' as const) : ('auto' as const), controller: pick3(seed >> 1, ['v1.1.7', 'v1.1.9', undefined]) };
      const opts = options.controller ? options : { version: options.version, compute: options.compute };
      const cheap = new Dataplanes(cluster, opts);
      const reference = new ReferenceDataplanes(cluster, opts);
      for (const conn of connections(cluster)) {
        const a = cheap.compare(conn);
        const b = reference.compare(conn);
        const what = `seed ${seed} ${mode} ${JSON.stringify(opts)}: ${b.eks.from} -> ${b.eks.to} ${conn.port}/${conn.protocol}${conn.service ? ` via ${conn.service.name}` : ''}`;
        assert.equal(a.eks.allowed, b.eks.allowed, `${what}: the EKS verdict`);
        assert.deepEqual({ mechanisms: a.mechanisms, explained: a.explained, caveats: a.caveats, agree: a.agree }, { mechanisms: b.mechanisms, explained: b.explained, caveats: b.caveats, agree: b.agree }, what);
        if (!b.agree) {
          differ++;
          for (const m of b.mechanisms) named.add(m);
          skipped += Object.keys(MECHANISMS).length - 3 - relevantMechanisms(cheap.eks, conn).length;
        }
      }
    }
    assert.ok(differ > 200, `random clusters disagree often enough to test the naming (${differ})`);
    assert.ok(skipped > differ, 'most disagreements switch fewer mechanisms than all of them');
    // the mechanisms these clusters are built to reach, each named somewhere
    for (const m of ['identifier-sharing', 'ingress-named-port-union', 'except-shadows-rules', 'service-clusterip', 'node-primary-ip-only', 'egress-named-port-dropped', 'cnp-ingress-first-peer-namespaces'] as const) {
      assert.ok(named.has(m), `reached ${m} (named: ${[...named].join(', ')})`);
    }
  });

  it('knows every mechanism the controller and the agent read', () => {
    // the lists decide which variants share the real plane's controller output or maps: a missing one would share wrongly
    const reads = (file: string): Set<string> => {
      const text = readFileSync(fileURLToPath(new URL(`../../src/eks/${file}`, import.meta.url)), 'utf8');
      return new Set([...text.matchAll(/\bon\('([a-z0-9-]+)'\)/g)].map((m) => m[1]!));
    };
    assert.deepEqual([...reads('controller.js')].sort(), [...CONTROLLER_READS].sort());
    assert.deepEqual([...reads('agent.js')].sort(), [...AGENT_READS].sort());
    for (const m of reads('decide.js')) assert.ok(m in MECHANISMS, m);
  });
});

function pick3<T>(n: number, xs: readonly T[]): T {
  return xs[n % xs.length]!;
}
