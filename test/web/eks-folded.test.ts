// `podwall serve` above 300 workloads under eks (the default): the folded graph, a namespace opened and a
// workload's denials answer on the EKS data plane, with the differences from the specification marked, where they
// used to give the specification's answers; served under kubernetes the same questions show none of them.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { namedPortsAtScale } from './eks-folded-cluster.js';
import { killAll, serve, stop, type Served } from './serve-process.js';

after(killAll);

interface Range {
  protocol: string;
  from: number;
  to: number;
}
interface Edge {
  from: string;
  to: string;
  verdict: string;
  ports: Range[];
  eks?: { ports: Range[]; other: string; mechanisms: string[] }[];
}

async function get(s: Served, path: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = await fetch(s.origin + path).catch(() => fetch(s.origin + path));
  assert.equal(r.status, 200, path);
  return r.json();
}

const covers = (rs: Range[], port: number): boolean => rs.some((r) => r.protocol === 'TCP' && r.from <= port && port <= r.to);

describe('the dashboard above 300 workloads answers on the EKS data plane', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'podwall-eks-folded-')), 'cluster.yaml');
  writeFileSync(file, namedPortsAtScale());
  let eks: Served | undefined;
  let spec: Served | undefined;
  before(async () => {
    eks = await serve(['-f', file]);
    spec = await serve(['-f', file, '--dataplane', 'kubernetes']);
  });
  after(async () => {
    await stop(eks);
    await stop(spec);
  });

  it('folded namespaces: EKS edges with the marks and mechanisms where the planes disagree', async () => {
    assert.ok((await get(eks!, '/api/summary')).workloads > 300);
    const g = await get(eks!, '/api/graph');
    assert.equal(g.level, 'namespace');
    assert.equal(g.dataplane, 'eks');
    assert.doesNotMatch(g.dataplaneNote, /specification's answers/);
    const edge = (x: { edges: Edge[] }, from: string, to: string): Edge | undefined => x.edges.find((e) => e.from === from && e.to === to);
    // EKS opens the named port's union on every web pod: more pod pairs than the specification on 8080 and 9090
    assert.deepEqual(edge(g, 'cli', 'srv')!.eks, [{ ports: [{ protocol: 'TCP', from: 8080, to: 8080 }, { protocol: 'TCP', from: 9090, to: 9090 }], other: 'partial', mechanisms: ['ingress-named-port-union'] }]);
    // EKS drops the egress rule's named port: no pod pair may use 5432, which the specification allows
    const db = edge(g, 'cli', 'db')!;
    assert.equal(db.verdict, 'denied');
    assert.deepEqual(db.eks, [{ ports: [{ protocol: 'TCP', from: 5432, to: 5432 }], other: 'allowed', mechanisms: ['egress-named-port-dropped'] }]);

    const k = await get(spec!, '/api/graph');
    assert.equal(k.dataplane, 'kubernetes');
    assert.ok(k.edges.every((e: Edge) => !e.eks), 'the specification graph carries no marks');
    assert.ok(covers(edge(k, 'cli', 'db')!.ports, 5432));
    assert.equal(edge(k, 'cli', 'db')!.verdict, 'allowed');
  });

  it('a namespace opened: its workloads on EKS, every other namespace folded', async () => {
    const g = await get(eks!, '/api/graph?namespace=srv');
    assert.equal(g.dataplane, 'eks');
    const web1 = g.edges.find((e: Edge) => e.from === 'cli' && e.to === 'srv/web1') as Edge;
    assert.deepEqual([covers(web1.ports, 8080), covers(web1.ports, 9090)], [true, true]);
    assert.deepEqual(web1.eks, [{ ports: [{ protocol: 'TCP', from: 9090, to: 9090 }], other: 'denied', mechanisms: ['ingress-named-port-union'] }]);
    const k = (await get(spec!, '/api/graph?namespace=srv')).edges.find((e: Edge) => e.from === 'cli' && e.to === 'srv/web1') as Edge;
    assert.deepEqual([covers(k.ports, 8080), covers(k.ports, 9090)], [true, false]);
  });

  it('a workload\'s denials on EKS', async () => {
    const d = await get(eks!, '/api/denied?workload=db/db');
    assert.equal(d.dataplane, 'eks');
    assert.equal(d.dataplaneNote, undefined);
    const fromClient = d.edges.find((e: { from: string }) => e.from === 'cli/client0');
    assert.ok(covers(fromClient.ports, 5432), JSON.stringify(fromClient));
    const k = await get(spec!, '/api/denied?workload=db/db');
    const specClient = k.edges.find((e: { from: string }) => e.from === 'cli/client0');
    assert.equal(covers(specClient.ports, 5432), false, JSON.stringify(specClient));
    // and an explanation of the port EKS alone denies says denied, as the served plane does
    const ex = await get(eks!, '/api/explain?from=cli/client0&to=db/db&port=5432');
    assert.equal(ex.verdict.allowed, false);
  });
});
