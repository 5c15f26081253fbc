// The matrix's filters (-n, --exposure, --exposure PEER) narrow the walk itself (matrix-walk.ts: each source
// visits and counts only the destinations the filter shows it; Reachability.rowWithin makes rows only toward
// those classes). Held here to the whole matrix then filtered, on random EKS clusters and generated ones, for
// both data planes and every outside mode: the same edges in the same order, the same nodes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateYaml } from '../../bench/generate.js';
import { computeMatrix, type MatrixDataplane, type MatrixOptions, type MatrixResult } from '../../src/analysis/matrix.js';
import { has, members } from '../../src/engine/bitset.js';
import { ClassIndex } from '../../src/engine/classes.js';
import { Engine } from '../../src/engine/engine.js';
import { OutsideWorld } from '../../src/engine/outside.js';
import { portClasses } from '../../src/engine/ports.js';
import { Reachability } from '../../src/engine/reachability.js';
import { NEWEST_KNOWN } from '../../src/eks/versions.js';
import { buildCluster } from '../../src/model/build.js';
import type { Cluster } from '../../src/model/cluster.js';
import { withoutNodes } from '../eks/matrix-cases.js';
import { randomEksCluster } from '../eks/random.js';
import { clusterFrom } from '../helpers.js';

/** The whole matrix's edges that `keep` keeps, with the nodes those edges name (in the whole matrix's order). */
function filtered(whole: MatrixResult, keep: (from: string, to: string) => boolean): MatrixResult {
  const edges = whole.edges.filter((e) => keep(e.from, e.to));
  const used = new Set(edges.flatMap((e) => [e.from, e.to]));
  return { ...whole, workloads: whole.workloads.filter((w) => used.has(w.id)), outside: whole.outside.filter((o) => used.has(o.id)), edges };
}

function clusters(): { name: string; cluster: Cluster }[] {
  const out: { name: string; cluster: Cluster }[] = [];
  for (let seed = 1; seed <= 8; seed++) {
    const objs = randomEksCluster(seed, { upstream: seed % 3 === 0, templates: seed % 4 === 0 });
    out.push({ name: `seed ${seed}`, cluster: buildCluster(seed > 6 ? withoutNodes(objs) : objs) });
  }
  out.push({ name: 'generated', cluster: clusterFrom(generateYaml({ workload: 'typical', namespaces: 5, pods: 60, policies: 20, clusterPolicies: 6 })) });
  return out;
}

describe('matrix filters narrow the walk and print what the whole matrix filtered prints', () => {
  for (const { name, cluster } of clusters()) {
    it(name, () => {
      const world = new OutsideWorld([cluster]);
      const namespaces = [...cluster.namespaces.keys()].sort();
      const planes: MatrixDataplane[] = [{ name: 'kubernetes' }, { name: 'eks', version: NEWEST_KNOWN, compute: 'auto' }];
      let compared = 0;
      for (const dataplane of planes) {
        for (const outside of ['summary', 'each', 'none'] as const) {
          const base: MatrixOptions = { outside, world, dataplane };
          const whole = computeMatrix(new Engine(cluster), base);
          const outsideIds = new Set(whole.outside.map((o) => o.id));
          const nsOf = new Map(whole.workloads.map((w) => [w.id, w.namespace]));
          const inScope = (scope: readonly string[], id: string): boolean => scope.includes(nsOf.get(id) ?? '');
          const crosses = (from: string, to: string): boolean => outsideIds.has(from) !== outsideIds.has(to);
          const same = (options: MatrixOptions, keep: (from: string, to: string) => boolean, what: string): void => {
            const narrowed = computeMatrix(new Engine(cluster), { ...base, ...options });
            assert.deepEqual(narrowed, filtered(whole, keep), `${name} ${dataplane.name} ${outside} ${what}`);
            compared++;
          };
          const scopes = [...namespaces.map((n) => [n]), namespaces.slice(0, 2), namespaces];
          for (const scope of scopes) same({ namespaces: scope }, (f, t) => inScope(scope, f) || inScope(scope, t), `-n ${scope.join(',')}`);
          if (outside === 'each') {
            // what diff -n walks: the allowed edges only, each peer apart
            const allowed = computeMatrix(new Engine(cluster), { ...base, allowedOnly: true });
            for (const scope of scopes) {
              const narrowed = computeMatrix(new Engine(cluster), { ...base, allowedOnly: true, namespaces: scope });
              assert.deepEqual(narrowed, filtered(allowed, (f, t) => inScope(scope, f) || inScope(scope, t)), `${name} ${dataplane.name} allowed only -n ${scope.join(',')}`);
              compared++;
            }
          }
          if (outside === 'none') continue;
          same({ exposure: true }, crosses, '--exposure');
          for (const scope of scopes.slice(0, 2)) {
            same({ exposure: true, namespaces: scope }, (f, t) => crosses(f, t) && (inScope(scope, f) || inScope(scope, t)), `--exposure -n ${scope.join(',')}`);
          }
          // one peer: in summary mode the others' rows are not shown, so nothing folds into `outside` (unlike the
          // whole matrix); `each` lists every peer as it is
          if (outside === 'each') {
            for (const peer of whole.outside.map((o) => o.id)) {
              same({ exposure: true, peer }, (f, t) => crosses(f, t) && (f === peer || t === peer), `--exposure ${peer}`);
              same({ exposure: true, peer, namespaces: [namespaces[0]!] }, (f, t) => crosses(f, t) && (f === peer || t === peer) && (inScope([namespaces[0]!], f) || inScope([namespaces[0]!], t)), `--exposure ${peer} -n`);
            }
          }
        }
      }
      assert.ok(compared > 20);
    });
  }
});

describe('Reachability.rowWithin', () => {
  it('gives rowOf\'s rows on the words of a set of classes, masked by it, on random clusters', () => {
    let checked = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const cluster = buildCluster(randomEksCluster(seed, { upstream: seed % 3 === 0 }));
      const engine = new Engine(cluster);
      const classes = new ClassIndex(cluster, engine.ctx, new OutsideWorld([cluster]));
      const reach = new Reachability(engine, classes);
      for (const q of portClasses([cluster]).slice(0, 6)) {
        const whole = reach.rowOf(q.rep);
        // every third class, and one class alone: a mask of several words and of one
        for (const pick of [(i: number) => i % 3 === seed % 3, (i: number) => i === seed % classes.size]) {
          const within = new Uint32Array(Math.ceil(classes.size / 32));
          for (let i = 0; i < classes.size; i++) if (pick(i)) within[i >>> 5]! |= 1 << (i & 31);
          const words = [...within.keys()].filter((w) => within[w] !== 0);
          const part = reach.rowWithin(q.rep, within, words);
          for (const s of classes.classes) {
            const row = whole(s);
            const compact = part(s);
            assert.equal(compact.length, words.length);
            for (const d of members(within)) {
              const i = words.indexOf(d >>> 5);
              assert.equal(((compact[i]! >>> (d & 31)) & 1) === 1, has(row, d), `seed ${seed} ${q.rep.protocol}/${q.rep.port}: ${s.index} -> ${d}`);
              checked++;
            }
            words.forEach((w, i) => assert.equal(compact[i]! & ~within[w]!, 0, 'no class outside the mask'));
          }
        }
      }
    }
    assert.ok(checked > 1000);
  });
});

describe('Reachability.rowOf for some sources', () => {
  it('gives the whole rowOf\'s rows for those sources, computing their ingress answers on their words only, and refuses others', () => {
    let checked = 0;
    const cases = [
      ...[1, 2, 3, 4, 5].map((seed) => buildCluster(randomEksCluster(seed, { upstream: seed % 3 === 0 }))),
      // 160 classes over five words, so that the sources' words are a part of the row and not its first ones
      clusterFrom(generateYaml({ workload: 'typical', namespaces: 40, pods: 900, policies: 200, clusterPolicies: 8 })),
    ];
    for (const [n, cluster] of cases.entries()) {
      const engine = new Engine(cluster);
      const classes = new ClassIndex(cluster, engine.ctx, new OutsideWorld([cluster]));
      const reach = new Reachability(engine, classes);
      for (const q of portClasses([cluster]).slice(0, 5)) {
        const whole = reach.rowOf(q.rep);
        for (const pick of [(i: number) => i % 5 === n % 5, (i: number) => i === n % classes.size, (i: number) => i >= 70 && i < 110]) {
          const within = new Uint32Array(Math.ceil(classes.size / 32));
          for (let i = 0; i < classes.size; i++) if (pick(i)) within[i >>> 5]! |= 1 << (i & 31);
          const words = [...within.keys()].filter((w) => within[w] !== 0);
          const part = reach.rowOf(q.rep, { within, words });
          for (const s of classes.classes) {
            if (!has(within, s.index)) {
              assert.throws(() => part(s), /not among the sources/);
              continue;
            }
            assert.deepEqual(part(s), whole(s), `cluster ${n} ${q.rep.protocol}/${q.rep.port}: row of ${s.index}`);
            checked++;
          }
        }
      }
    }
    assert.ok(checked > 200 && cases.some((c) => new ClassIndex(c, new Engine(c).ctx).size > 110), `${checked} rows`);
  });
});
