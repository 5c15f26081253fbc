// The specification's matrix prints, byte for byte, what it printed before its walk was shared with the EKS matrix
// (analysis/matrix-walk.ts) and its formatters with the marked ones: sha-256 in test/fixtures/matrix/golden.json,
// made by commit ad60deb, of every format streamed, the progress it reports and the collected result, on the EKS
// matrix's random clusters (matrix-cases.ts, without the data plane) and on generated clusters, in every outside
// mode with allowed-only, exposure, one port, one protocol and one namespace.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generateYaml, type Shape } from '../../bench/generate.js';
import { computeMatrix, type MatrixOptions } from '../../src/analysis/matrix.js';
import { streamMatrix } from '../../src/analysis/matrix-stream.js';
import { Engine } from '../../src/engine/engine.js';
import { OutsideWorld } from '../../src/engine/outside.js';
import type { Cluster } from '../../src/model/cluster.js';
import { MATRIX_FORMATS, matrixChunks } from '../../src/report/matrix.js';
import { matrixCases } from '../eks/matrix-cases.js';
import { clusterFrom, ROOT } from '../helpers.js';

const golden = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/matrix/golden.json'), 'utf8')) as Record<string, string>;
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

const GENERATED: Shape[] = [
  { workload: 'typical', namespaces: 6, pods: 90, policies: 30, clusterPolicies: 10 },
  { workload: 'typical', namespaces: 12, pods: 300, policies: 60, clusterPolicies: 6 },
  { workload: 'large', namespaces: 8, pods: 200, policies: 80, clusterPolicies: 12 },
];

describe('the specification\'s matrix', () => {
  const checked = new Set<string>();
  const check = (name: string, text: string): void => {
    assert.ok(golden[name], `${name}: no pinned output`);
    assert.equal(sha(text), golden[name], `${name} differs`);
    checked.add(name);
  };
  const pin = (name: string, cluster: Cluster, options: MatrixOptions, progress: boolean): void => {
    const seen: string[] = [];
    const stream = streamMatrix(new Engine(cluster), options, (done, sources) => seen.push(`${done}/${sources}`));
    for (const f of MATRIX_FORMATS) check(`${name} ${f}`, [...matrixChunks(stream, f)].join(''));
    if (progress) check(`${name} progress`, seen.join(','));
    check(`${name} kept`, JSON.stringify(computeMatrix(new Engine(cluster), options)));
  };

  it('prints what it did before the walk was shared, on random clusters', () => {
    for (const c of matrixCases()) {
      const { dataplane: _eks, ...options } = c.options;
      pin(c.name, c.cluster, options, true);
    }
  });

  it('prints what it did before the walk was shared, on generated clusters', () => {
    for (const [i, shape] of GENERATED.entries()) {
      const cluster = clusterFrom(generateYaml(shape));
      for (const outside of ['summary', 'each', 'none'] as const) {
        for (const extra of [{}, { allowedOnly: true }, { exposure: true }, { port: 8080 }, { protocol: 'UDP' as const }, { namespaces: [cluster.pods[0]!.namespace] }]) {
          pin(`gen ${i} ${outside} ${JSON.stringify(extra)}`, cluster, { outside, world: new OutsideWorld([cluster]), ...extra }, false);
        }
      }
    }
  });

  it('checked every pinned output', () => {
    assert.deepEqual(Object.keys(golden).filter((k) => !checked.has(k)), []);
  });
});
