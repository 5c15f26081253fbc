// The conformance corpus: every case from the EKS documents and the upstream suites must pass.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAssertionFile, runAssertions, type RunOptions } from '../src/analysis/assertions.js';
import { EKS_DIFFERENCES } from './conformance-eks.js';
import { parseDocuments } from '../src/k8s/yaml.js';
import { expandPaths, readText } from '../src/sources/files.js';
import { podwall, ROOT } from './helpers.js';

const KUBERNETES: RunOptions = { dataplane: 'kubernetes', eks: () => ({ version: 'v1.4.1', compute: 'auto' }) };
const EKS: RunOptions = { dataplane: 'eks', eks: () => ({ version: 'v1.4.1', compute: 'auto' }) };

const cases = (dir: string): string[] => expandPaths([dir]).filter((p) => !p.endsWith('README.md'));

/** Under the specification every upstream verdict must come out. */
function runCorpus(dir: string): void {
  for (const path of cases(dir)) {
    it(path.slice(dir.length + 1), () => {
      const file = parseAssertionFile(parseDocuments(readText(path), path), path);
      assert.ok(file.assertions.length > 0, 'a conformance case asserts something');
      const failures = runAssertions(file, [], {}, KUBERNETES).filter((r) => !r.pass);
      assert.deepEqual(
        failures.map((f) => `${f.from} -> ${f.to} ${f.port}/${f.protocol}: expected ${f.expect}, got ${f.actual}: ${f.reason}`),
        [],
      );
    });
  }
}

/**
 * Under EKS every verdict must come out too, except in the cases listed in conformance-eks.ts, which must
 * differ, and only for the mechanisms listed there.
 */
function runCorpusOnEks(dir: string): void {
  for (const path of cases(dir)) {
    const name = path.slice(dir.length + 1).replace(/\.yaml$/, '');
    it(name, () => {
      const file = parseAssertionFile(parseDocuments(readText(path), path), path);
      const failures = runAssertions(file, [], {}, EKS).filter((r) => !r.pass);
      const listed = EKS_DIFFERENCES[name];
      if (!listed) {
        assert.deepEqual(failures.map((f) => `${f.from} -> ${f.to} ${f.port}/${f.protocol}: expected ${f.expect}, EKS gives ${f.actual}: ${f.reason}`), []);
        return;
      }
      assert.ok(failures.length > 0, `${name} is listed as differing on EKS (${listed.join(', ')}) but EKS gives every upstream verdict`);
      for (const f of failures) {
        const named = f.comparison!.mechanisms;
        assert.ok(named.length > 0 && named.every((m) => listed.includes(m)), `${f.from} -> ${f.to} ${f.port}/${f.protocol}: EKS differs by ${named.join(', ') || 'no named mechanism'}, listed: ${listed.join(', ')}`);
      }
    });
  }
}

describe('conformance corpus (copy in test/conformance)', () => runCorpus(join(ROOT, 'test', 'conformance')));
describe('conformance corpus on the EKS data plane (copy in test/conformance)', () => runCorpusOnEks(join(ROOT, 'test', 'conformance')));

const shared = join(ROOT, '..', 'shared', 'conformance');
const noShared = !existsSync(shared) && 'no ../shared beside the repository';
describe('conformance corpus (../shared/conformance, when present)', { skip: noShared }, () => runCorpus(shared));
describe('conformance corpus on the EKS data plane (../shared/conformance, when present)', { skip: noShared }, () => runCorpusOnEks(shared));

describe('podwall test on the corpus, through the command line', () => {
  it('reports every assertion passed under the specification, as JSON', () => {
    const r = podwall(['test', 'test/conformance', '-o', 'json', '--dataplane', 'kubernetes']);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as { summary: { passed: number; failed: number }; results: { file: string; pass: boolean; reason: string }[] };
    assert.equal(json.summary.failed, 0);
    assert.ok(json.summary.passed > 4000, `only ${json.summary.passed} assertions ran`);
    assert.equal(json.results.length, json.summary.passed);
    assert.ok(json.results.every((x) => (x as { dataplane?: string }).dataplane === 'kubernetes'));
    for (const k of ['file', 'from', 'to', 'port', 'protocol', 'expect', 'actual', 'pass', 'reason']) assert.ok(k in json.results[0]!, `results carry ${k}`);
  });
});
