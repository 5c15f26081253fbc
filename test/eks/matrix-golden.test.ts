// The streamed EKS matrix prints, byte for byte, what the collected one printed before it (pinned as sha-256 in
// test/fixtures/eks-matrix/golden.json on the cases of matrix-cases.ts): the same edges in the same order, the
// same marks and mechanisms, the same summary folding, in every format.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { computeMatrix } from '../../src/analysis/matrix.js';
import { streamEksMatrix } from '../../src/analysis/matrix-eks.js';
import { Engine } from '../../src/engine/engine.js';
import { markedMatrixChunks } from '../../src/report/matrix.js';
import { ROOT } from '../helpers.js';
import { matrixCases } from './matrix-cases.js';

const golden = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/eks-matrix/golden.json'), 'utf8')) as Record<string, string>;
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('the streamed EKS matrix', () => {
  it('prints what the collected one did, in every format, on random clusters', () => {
    let checked = 0;
    for (const c of matrixCases()) {
      for (const f of c.formats) {
        const name = `${c.name} ${f}`;
        assert.ok(golden[name], `${name}: no pinned output`);
        let text: string;
        if (f === 'edges') text = JSON.stringify(computeMatrix(new Engine(c.cluster), c.options).edges);
        else {
          const stream = streamEksMatrix(new Engine(c.cluster), c.options, c.options.dataplane as { name: 'eks'; version: string; compute: 'auto' | 'ec2' });
          text = [...markedMatrixChunks(stream, f)].join('');
        }
        assert.equal(sha(text), golden[name], `${name} differs`);
        checked++;
      }
    }
    assert.equal(checked, Object.keys(golden).length);
  });
});
