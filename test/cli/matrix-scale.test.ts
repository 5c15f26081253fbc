// The matrix at sizes where holding it whole fails: past 2^24 workload pairs (a Map's limit) and
// under a small heap, through the real command line; and the streamed text equals the kept result's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { computeMatrix } from '../../src/analysis/matrix.js';
import { streamMatrix } from '../../src/analysis/matrix-stream.js';
import { Engine } from '../../src/engine/engine.js';
import { OutsideWorld } from '../../src/engine/outside.js';
import { formatMatrix, MATRIX_FORMATS, matrixChunks } from '../../src/report/matrix.js';
import { generateYaml } from '../../bench/generate.js';
import { clusterFrom, ROOT } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'podwall-matrix-scale-'));

/** `n` bare pods in one namespace, no policy: every pod may reach every other. */
function barePods(n: number): string {
  const docs: string[] = [];
  for (let i = 0; i < n; i++) docs.push(`apiVersion: v1\nkind: Pod\nmetadata:\n  name: p${i}\n  namespace: big\n  labels:\n    app: same\nspec:\n  containers:\n    - name: c\n      image: x\nstatus:\n  podIP: 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}\n`);
  return docs.join('---\n');
}

/** The CLI through a shell pipeline; NODE_OPTIONS bounds its heap. */
function pipeline(command: string, heapMb: number): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', command], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1', NODE_OPTIONS: `--max-old-space-size=${heapMb}` } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const bin = join(ROOT, 'bin', 'podwall.js');

describe('matrix at scale', () => {
  it('4,200 workloads (17.6 million pairs, past a Map\'s 2^24 entries) start printing at once in a 96 MB heap', () => {
    const file = join(dir, 'wide.yaml');
    writeFileSync(file, barePods(4200));
    // the reader stops after five lines: podwall ends quietly, having computed only what was read
    const r = pipeline(`node ${bin} matrix --dataplane kubernetes -f ${file} --port 80 -o csv | head -n 5`, 96);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, 'podwall: data plane kubernetes (the specification)\n');
    assert.deepEqual(r.stdout.split('\n').slice(0, 5), ['from,to,protocol,from_port,to_port,verdict', 'big/p0,big/p1,TCP,80,80,allow', 'big/p0,big/p10,TCP,80,80,allow', 'big/p0,big/p100,TCP,80,80,allow', 'big/p0,big/p1000,TCP,80,80,allow']);
  });

  it('a million rows are written in a 64 MB heap (the whole result held would need several times that)', () => {
    const file = join(dir, 'thousand.yaml');
    writeFileSync(file, barePods(1000));
    const r = pipeline(`node ${bin} matrix --dataplane kubernetes -f ${file} --port 80 --outside none -o csv | wc -l`, 64);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(Number(r.stdout.trim()), 1 + 1000 * 999);
  });

  it('streamed text is byte for byte the kept result\'s, in every format and outside mode', () => {
    const cluster = clusterFrom(generateYaml({ workload: 'typical', namespaces: 6, pods: 90, policies: 30, clusterPolicies: 10 }));
    for (const outside of ['summary', 'each', 'none'] as const) {
      for (const extra of [{}, { allowedOnly: true }, { exposure: true }, { port: 8080 }]) {
        if (outside === 'none' && 'exposure' in extra) continue; // the CLI refuses it: nothing crosses the edge
        const options = { outside, world: new OutsideWorld([cluster]), ...extra };
        const kept = computeMatrix(new Engine(cluster), options);
        assert.ok(kept.edges.length > 0);
        for (const format of MATRIX_FORMATS) {
          const streamed = [...matrixChunks(streamMatrix(new Engine(cluster), options), format)].join('');
          assert.equal(streamed, formatMatrix(kept, format), `${format} ${outside} ${JSON.stringify(extra)}`);
        }
      }
    }
  });

  it('edges come in the documented order: workloads before peers outside, by collation, allowed before partial before denied', () => {
    const cluster = clusterFrom(generateYaml({ workload: 'typical', namespaces: 6, pods: 90, policies: 30, clusterPolicies: 10 }));
    const m = computeMatrix(new Engine(cluster), { outside: 'each' });
    const outside = new Set(m.outside.map((n) => n.id));
    const rank = (e: { allowed: boolean; partial: boolean }): number => (e.partial ? 1 : e.allowed ? 0 : 2);
    const key = (id: string): [number, string] => [outside.has(id) ? 1 : 0, id];
    for (let i = 1; i < m.edges.length; i++) {
      const a = m.edges[i - 1]!;
      const b = m.edges[i]!;
      const [af, afId] = key(a.from);
      const [bf, bfId] = key(b.from);
      const [at, atId] = key(a.to);
      const [bt, btId] = key(b.to);
      const c = af - bf || afId.localeCompare(bfId) || at - bt || atId.localeCompare(btId) || rank(a) - rank(b);
      assert.ok(c < 0, `edge ${i} out of order: ${JSON.stringify(a)} then ${JSON.stringify(b)}`);
    }
  });
});
