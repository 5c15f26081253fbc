// The EKS matrix's marks name what explain names, on random clusters: a mark (a range where the specification
// answers otherwise) is left without a mechanism only where explain, on some pair of the two workloads that
// disagrees there, cannot name one either (and warns "please report"); and each mechanism a mark names is one
// explain names on some pair of the two that disagrees in the mark's ranges. Explain's mechanisms are the
// comparison's (Dataplanes.compare, what `podwall explain` prints under EKS); a few clusters go through the real
// command line too. matrix.property.test.ts holds where the marks are and the answers; this file, what they say.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { computeMatrix, type MatrixEdge } from '../../src/analysis/matrix.js';
import { Dataplanes } from '../../src/eks/compare.js';
import type { Compute } from '../../src/eks/types.js';
import { NEWEST_KNOWN } from '../../src/eks/versions.js';
import { OutsideWorld } from '../../src/engine/outside.js';
import { buildCluster, type SourceObject } from '../../src/model/build.js';
import { workloadId, type Cluster } from '../../src/model/cluster.js';
import type { Protocol } from '../../src/net/protocol.js';
import type { Endpoint } from '../../src/model/endpoint.js';
import { podwallAsync } from '../helpers.js';
import { randomEksCluster } from './random.js';

interface Checked {
  marks: number;
  named: number;
}

/**
 * The ports a mark's ranges are asked on: their ends and middles, and every port the cluster mentions inside them
 * (container ports, Service ports and targets, policy ranges' ends): the matrix's classes of ports split there,
 * and a mark's mechanisms are those of each class its ranges join.
 */
function portsOf(cluster: Cluster, ranges: readonly { protocol: Protocol; from: number; to: number }[]): [number, Protocol][] {
  const mentioned: [number, Protocol][] = [];
  for (const pod of cluster.pods) for (const cp of pod.ports) mentioned.push([cp.port, cp.protocol]);
  for (const s of cluster.services) {
    for (const sp of s.ports) {
      mentioned.push([sp.port, sp.protocol]);
      if (typeof sp.targetPort === 'number') mentioned.push([sp.targetPort, sp.protocol]);
    }
  }
  for (const p of cluster.policies) {
    for (const rule of [...p.ingress, ...p.egress]) {
      for (const pm of rule.ports ?? []) if (pm.type === 'range') mentioned.push([pm.from, pm.protocol], [pm.to, pm.protocol]);
    }
  }
  const out = new Map<string, [number, Protocol]>();
  for (const r of ranges) {
    for (const p of [r.from, Math.floor((r.from + r.to) / 2), r.to]) out.set(`${p}/${r.protocol}`, [p, r.protocol]);
    for (const [port, protocol] of mentioned) if (protocol === r.protocol && r.from <= port && port <= r.to) out.set(`${port}/${protocol}`, [port, protocol]);
  }
  return [...out.values()];
}

function check(cluster: Cluster, compute: Compute, version: string, label: string): Checked {
  const planes = new Dataplanes(cluster, { version, compute });
  const world = new OutsideWorld([cluster]);
  const m = computeMatrix(planes.engine, { outside: 'each', world, dataplane: { name: 'eks', version, compute } });
  assert.equal(m.unnamedDisagreements ?? 0, 0, `${label}: a small cluster stays within the matrix's naming budget`);
  const ends = new Map<string, Endpoint[]>();
  for (const p of cluster.pods) ends.set(workloadId(p), [...(ends.get(workloadId(p)) ?? []), { kind: 'pod', pod: p }]);
  for (const peer of world.peers) ends.set(peer.name, [peer.rep]);
  let marks = 0;
  let named = 0;
  for (const e of m.edges) {
    const d = e.disagreement;
    if (!d) continue;
    marks++;
    const where = `${label}: ${e.from} -> ${e.to} ${d.ports.map((r) => `${r.protocol} ${r.from}-${r.to}`).join(', ')}`;
    // every comparison that disagrees in the mark's ranges, as explain makes it
    const differing = [];
    for (const [port, protocol] of portsOf(cluster, d.ports)) {
      for (const a of ends.get(e.from)!) {
        for (const b of ends.get(e.to)!) {
          if (a.kind === 'pod' && b.kind === 'pod' && a.pod === b.pod) continue;
          const c = planes.compare({ from: a, to: b, port, protocol });
          if (!c.agree) differing.push(c);
        }
      }
    }
    assert.ok(differing.length > 0, `${where}: marked, but no pair disagrees there`);
    const explainNames = new Set(differing.flatMap((c) => c.mechanisms));
    if (d.mechanisms.length === 0) {
      assert.ok(differing.some((c) => !c.explained), `${where}: the mark names no mechanism, explain names ${[...explainNames].join(', ')}`);
    } else {
      named++;
      for (const k of d.mechanisms) assert.ok(explainNames.has(k as never), `${where}: the mark names ${k}, explain names ${[...explainNames].join(', ') || 'none'}`);
    }
  }
  return { marks, named };
}

const settings = (seed: number): { compute: Compute; version: string; templates: boolean; upstream: boolean } => ({
  compute: seed % 2 ? 'auto' : 'ec2',
  version: seed % 5 === 0 ? 'v1.4.0' : seed % 3 === 0 ? 'main' : NEWEST_KNOWN,
  templates: seed % 4 === 0 || seed % 7 === 0,
  upstream: seed % 3 === 0,
});

describe('the EKS matrix names what explain names (random clusters)', () => {
  it('a mark is unnamed only where explain cannot name the mechanism, and each name it gives is explain\'s', () => {
    let marks = 0;
    let named = 0;
    for (let seed = 1; seed <= 16; seed++) {
      const s = settings(seed);
      const cluster = buildCluster(randomEksCluster(seed, { upstream: s.upstream, templates: s.templates }));
      const r = check(cluster, s.compute, s.version, `seed ${seed} ${s.compute} ${s.version}`);
      marks += r.marks;
      named += r.named;
    }
    // the clusters reach marks, and every one of them is named (property.test.ts: explain always names one there)
    assert.ok(marks > 20, `${marks} marks checked`);
    assert.equal(named, marks, `${marks - named} of ${marks} marks unnamed`);
  });

  it('through the command line: each mark of matrix -o json is a disagreement explain -o json names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-eks-marks-'));
    let checked = 0;
    for (const seed of [4, 7, 11]) {
      const s = settings(seed);
      const objs: SourceObject[] = randomEksCluster(seed, { upstream: s.upstream, templates: s.templates });
      const file = join(dir, `seed-${seed}.json`);
      writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs.map((o) => o.value) }));
      const common = ['-f', file, '--compute', s.compute, '--eks-version', s.version];
      const mx = await podwallAsync(['matrix', ...common, '--outside', 'each', '-o', 'json']);
      assert.equal(mx.code, 0, mx.stderr);
      const edges = (JSON.parse(mx.stdout) as { edges: MatrixEdge[] }).edges.filter((e) => e.disagreement);
      const workloads = new Set(buildCluster(objs).pods.map(workloadId));
      for (const e of edges.filter((x) => workloads.has(x.from) && workloads.has(x.to)).slice(0, 6)) {
        const r = e.disagreement!.ports[0]!;
        const where = `seed ${seed}: ${e.from} -> ${e.to} ${r.protocol} ${r.from}`;
        const x = await podwallAsync(['explain', ...common, '--from', e.from, '--to', e.to, '--port', String(r.from), '--protocol', r.protocol, '-o', 'json']);
        assert.equal(x.code, 0, x.stderr);
        const j = JSON.parse(x.stdout) as Record<string, unknown>;
        assert.ok(((j.disagreements as number | undefined) ?? (j.agree === false ? 1 : 0)) > 0, `${where}: explain sees the mark's disagreement`);
        const shown = 'agree' in j ? [j] : Object.values((j.examples ?? {}) as Record<string, Record<string, unknown>>);
        for (const c of shown.filter((c) => c.agree === false)) assert.ok((c.mechanisms as unknown[]).length > 0, `${where}: explain names the mechanism`);
        assert.ok(e.disagreement!.mechanisms.length > 0, `${where}: the matrix names the mechanism`);
        assert.doesNotMatch(x.stdout + x.stderr, /cannot name/);
        checked++;
      }
    }
    assert.ok(checked >= 5, `${checked} marks asked through the command line`);
  });
});
