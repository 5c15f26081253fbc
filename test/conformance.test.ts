// The conformance corpus: every case from the EKS documents and the upstream suites must pass.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAssertionFile, runAssertions } from '../src/analysis/assertions.js';
import { parseDocuments } from '../src/k8s/yaml.js';
import { expandPaths, readText } from '../src/sources/files.js';
import { podwall, ROOT } from './helpers.js';

function runCorpus(dir: string): void {
  for (const path of expandPaths([dir]).filter((p) => !p.endsWith('README.md'))) {
    it(path.slice(dir.length + 1), () => {
      const file = parseAssertionFile(parseDocuments(readText(path), path), path);
      assert.ok(file.assertions.length > 0, 'a conformance case asserts something');
      const failures = runAssertions(file, []).filter((r) => !r.pass);
      assert.deepEqual(
        failures.map((f) => `${f.from} -> ${f.to} ${f.port}/${f.protocol}: expected ${f.expect}, got ${f.actual}: ${f.reason}`),
        [],
      );
    });
  }
}

describe('conformance corpus (copy in test/conformance)', () => runCorpus(join(ROOT, 'test', 'conformance')));

const shared = join(ROOT, '..', 'shared', 'conformance');
describe('conformance corpus (../shared/conformance, when present)', { skip: !existsSync(shared) && 'no ../shared beside the repository' }, () => runCorpus(shared));

describe('podwall test on the corpus, through the command line', () => {
  it('reports every assertion passed, as JSON', () => {
    const r = podwall(['test', 'test/conformance', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as { summary: { passed: number; failed: number }; results: { file: string; pass: boolean; reason: string }[] };
    assert.equal(json.summary.failed, 0);
    assert.ok(json.summary.passed > 4000, `only ${json.summary.passed} assertions ran`);
    assert.equal(json.results.length, json.summary.passed);
    for (const k of ['file', 'from', 'to', 'port', 'protocol', 'expect', 'actual', 'pass', 'reason']) assert.ok(k in json.results[0]!, `results carry ${k}`);
  });
});
