// `eks maps -o json` is written in pieces, each distinct direction serialised once: the text must be exactly
// what serialising the whole document at once gives, on random clusters (identifiers sharing maps, several
// nodes, both agent behaviours) and on an empty one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EksDataplane, inOutputOrder } from '../../src/eks/decide.js';
import type { DirectionMaps } from '../../src/eks/types.js';
import { NEWEST_KNOWN } from '../../src/eks/versions.js';
import { buildCluster } from '../../src/model/build.js';
import { eksMapsJson, writeEksMapsJson } from '../../src/report/eks-maps.js';
import { randomEksCluster } from './random.js';

function both(dp: EksDataplane, mode: string): [string, string, number] {
  const pieces: string[] = [];
  writeEksMapsJson(dp, mode, (c) => pieces.push(c));
  return [pieces.join(''), JSON.stringify(eksMapsJson(dp, mode), null, 2) + '\n', pieces.length];
}

describe('eks maps -o json, streamed', () => {
  it('is the whole document serialised at once, piece by piece', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const cluster = buildCluster(randomEksCluster(seed, { templates: seed % 2 === 0 }));
      const dp = new EksDataplane(cluster, { version: seed % 3 ? NEWEST_KNOWN : 'v1.4.0', compute: seed % 2 ? 'auto' : 'ec2' });
      const [streamed, whole, pieces] = both(dp, cluster.settings.enforcingMode);
      assert.equal(streamed, whole, `seed ${seed}`);
      assert.ok(pieces > dp.maps.length, 'one piece per identifier at least');
      JSON.parse(streamed);
    }
  });

  it('walks the identifiers in output order, each with the maps the plane holds for it, made anew', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const cluster = buildCluster(randomEksCluster(seed, { templates: seed % 2 === 0 }));
      const dp = new EksDataplane(cluster, { version: NEWEST_KNOWN, compute: 'ec2' });
      const held = [...dp.maps].sort(inOutputOrder);
      const walked = [...dp.mapsInOrder()];
      assert.deepEqual(walked.map((m) => `${m.identifier} ${m.node}`), held.map((m) => `${m.identifier} ${m.node}`), `seed ${seed}`);
      walked.forEach((m, i) => {
        assert.notEqual(m, held[i], 'a map of its own, not the one the plane keeps');
        assert.deepEqual(m.pods, held[i]!.pods);
        const content = ({ shared: _, ...rest }: DirectionMaps): object => rest;
        for (const d of ['ingress', 'egress'] as const) assert.deepEqual(content(m[d]), content(held[i]![d]), `seed ${seed} ${m.identifier} ${d}`);
      });
    }
  });

  it('an empty cluster gives an empty identifiers object', () => {
    const cluster = buildCluster([]);
    const [streamed, whole] = both(new EksDataplane(cluster, { version: NEWEST_KNOWN, compute: 'auto' }), cluster.settings.enforcingMode);
    assert.equal(streamed, whole);
  });
});
