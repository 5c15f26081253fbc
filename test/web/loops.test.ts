// Self-loops of the dashboard's graph: a workload or a folded namespace has an edge to itself exactly
// when two distinct pods of it may talk (a pod to itself is no connection), on the ports they may use;
// the folded namespace's loop agrees with the workload matrix of that namespace.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeMatrix, computeNamespaceMatrix } from '../../src/analysis/matrix.js';
import { Engine } from '../../src/engine/engine.js';
import { np, ns } from '../eks/fixtures.js';
import { clusterFrom } from '../helpers.js';

const app = (namespace: string, name: string, replicas: number): string =>
  `---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec:\n  replicas: ${replicas}\n  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec: {containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]}\n`;

// a: two web pods (no policy: they may talk), b: one pod (a pod alone has no loop), c: two pods isolated by deny-all,
// d: one pod of each of two workloads, allowed one way on 8080 only
const yaml = [
  ns('a'), ns('b'), ns('c'), ns('d'),
  app('a', 'web', 2),
  app('b', 'solo', 1),
  app('c', 'x', 2), np('c', 'deny-all', 'podSelector: {}\npolicyTypes: [Ingress]'),
  app('d', 'front', 1), app('d', 'back', 1),
  np('d', 'only-front', 'podSelector: {}\npolicyTypes: [Ingress]\ningress:\n  - from: [{podSelector: {matchLabels: {app: front}}}]\n    ports: [{port: 8080}]'),
].join('');

describe('self-loops of the graph', () => {
  const engine = new Engine(clusterFrom(yaml));

  it('a workload loops when two of its pods may talk; a lone pod or an isolated workload does not', () => {
    const loops = computeMatrix(engine, { allowedOnly: true }).edges.filter((e) => e.from === e.to && e.allowed).map((e) => e.from);
    assert.deepEqual([...new Set(loops)].sort(), ['a/web']);
  });

  it('a folded namespace loops when two distinct pods of it may talk, on those ports; only with `within`', () => {
    const within = computeNamespaceMatrix(engine, { within: true }).edges.filter((e) => e.from === e.to);
    assert.deepEqual(within.map((e) => e.from).sort(), ['a', 'd']);
    const d = within.find((e) => e.from === 'd')!;
    assert.deepEqual(d.ports.filter((r) => r.protocol === 'TCP').map((r) => `${r.from}-${r.to}`), ['8080-8080'], 'd: only front -> back on 8080');
    assert.equal(d.podPairs, 1);
    assert.equal(within.find((e) => e.from === 'a')!.podPairs, 2, 'a: web-1 -> web-2 and back, never a pod to itself');
    assert.deepEqual(computeNamespaceMatrix(engine).edges.filter((e) => e.from === e.to), [], 'without `within` as before');
  });
});
