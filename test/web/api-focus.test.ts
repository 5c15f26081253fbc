// The focused matrix of the dashboard (large clusters) gives the same answers per pair as computeMatrix.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generateYaml } from '../../bench/generate.js';
import { computeMatrix, type MatrixEdge } from '../../src/analysis/matrix.js';
import { Engine } from '../../src/engine/engine.js';
import { OutsideWorld } from '../../src/engine/outside.js';
import { workloadId, type Cluster } from '../../src/model/cluster.js';
import { focusedMatrix } from '../../src/web/focus.js';
import { clusterFrom, ROOT } from '../helpers.js';

const key = (e: MatrixEdge): string => `${e.from} -> ${e.to} ${e.allowed ? (e.partial ? 'partial' : 'allowed') : 'denied'} ${e.ports.map((r) => `${r.protocol}:${r.from}-${r.to}`).join(',')}`;

function compare(cluster: Cluster, label: string): number {
  const engine = new Engine(cluster);
  const world = new OutsideWorld([cluster]);
  let checked = 0;
  for (const ns of [...cluster.namespaces.keys()].slice(0, 6)) {
    const inNs = (id: string): boolean => id.startsWith(`${ns}/`);
    const expected = computeMatrix(engine, { namespaces: [ns], outside: 'each', world }).edges.filter((e) => inNs(e.from) || inNs(e.to)).map(key).sort();
    const got = focusedMatrix(engine, { world, groupOf: workloadId, inFocus: inNs, denied: true }).map(key).sort();
    assert.deepEqual(got, expected, `${label}: namespace ${ns}`);
    const allowedOnly = focusedMatrix(engine, { world, groupOf: workloadId, inFocus: inNs }).map(key).sort();
    assert.deepEqual(allowedOnly, expected.filter((k) => !k.includes(' denied ')), `${label}: namespace ${ns}, allowed only`);
    checked += expected.length;
  }
  return checked;
}

describe('focusedMatrix (dashboard, large clusters)', () => {
  it('equals computeMatrix around a namespace on generated clusters', () => {
    for (const seed of [1, 2, 3]) {
      const cluster = clusterFrom(generateYaml({ workload: 'typical', namespaces: 8, pods: 160, policies: 40, clusterPolicies: 6 }, seed));
      assert.ok(compare(cluster, `seed ${seed}`) > 0);
    }
  });

  it('equals computeMatrix around a namespace on examples/shop', () => {
    const checked = compare(clusterFrom(readdirSync(join(ROOT, 'examples/shop')).map((f) => readFileSync(join(ROOT, 'examples/shop', f), 'utf8')).join('\n---\n')), 'examples/shop');
    assert.ok(checked > 0);
  });
});
