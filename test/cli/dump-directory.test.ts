// A cluster dumped as many files (per namespace, as the benchmark's extreme one: bench/dump-files.ts):
// read as a directory, as YAML or JSON, with the same answers; a bad object deep in it is named by its
// file and line; and many files cost no more than one file of the same objects.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeDumpFiles } from '../../bench/dump-files.js';
import { podwall } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'podwall-dump-dir-'));
const dump = writeDumpFiles({ workload: 'typical', namespaces: 40, pods: 400, policies: 60, clusterPolicies: 4 }, dir);

describe('a dump as a directory of per-namespace files', () => {
  it('is under the manifest cap per file, and YAML and JSON give the same audit and matrix', () => {
    assert.equal(dump.files, 41);
    assert.equal(readdirSync(dump.yaml).length, 41);
    const yaml = podwall(['audit', '-f', dump.yaml, '-o', 'json']);
    const json = podwall(['audit', '-f', dump.json, '-o', 'json']);
    assert.ok(yaml.code === 0 || yaml.code === 1, yaml.stderr);
    const findings = (out: string): unknown => (JSON.parse(out) as { findings?: { check: string; object?: string }[] }).findings?.map((f) => `${f.check} ${f.object ?? ''}`).sort();
    assert.ok((findings(yaml.stdout) as unknown[]).length > 0, 'the audit finds something to compare');
    assert.deepEqual(findings(json.stdout), findings(yaml.stdout));
    const my = podwall(['matrix', '--dataplane', 'kubernetes', '-f', dump.yaml, '-n', 'ns3', '-o', 'csv']);
    const mj = podwall(['matrix', '--dataplane', 'kubernetes', '-f', dump.json, '-n', 'ns3', '-o', 'csv']);
    assert.equal(my.code, 0, my.stderr);
    assert.ok(my.stdout.split('\n').length > 10);
    assert.equal(mj.stdout, my.stdout);
  });

  it('a bad object in one of many files is named by that file and its line', () => {
    const bad = mkdtempSync(join(tmpdir(), 'podwall-dump-bad-'));
    let target = '';
    let line = 0;
    for (const name of readdirSync(dump.yaml)) {
      let text = readFileSync(join(dump.yaml, name), 'utf8');
      const at = text.indexOf('cidr: 0.0.0.0/0');
      if (!target && name > 'namespace-ns2' && at >= 0) {
        // the first policy with a CIDR past the first few files: an impossible prefix length
        text = text.slice(0, at) + 'cidr: 0.0.0.0/33' + text.slice(at + 'cidr: 0.0.0.0/0'.length);
        target = join(bad, name);
        line = text.slice(0, at).split('\n').length;
      }
      writeFileSync(join(bad, name), text);
    }
    assert.ok(target, 'some namespace has an egress policy with a CIDR');
    const r = podwall(['audit', '-f', bad]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.ok(r.stderr.includes(`${target}:${line}`), `names ${target}:${line}: ${r.stderr}`);
    assert.match(r.stderr, /invalid CIDR "0\.0\.0\.0\/33"/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('800 small files read about as fast as one file of the same objects', () => {
    const many = mkdtempSync(join(tmpdir(), 'podwall-many-'));
    const one: string[] = [];
    for (let i = 0; i < 800; i++) {
      const text = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p${i}\n  namespace: ns${i % 40}\n  labels: {app: a${i % 7}}\nspec:\n  containers: [{name: c, image: x, ports: [{containerPort: 80}]}]\nstatus:\n  podIP: 10.1.${i >> 8}.${i & 255}\n`;
      writeFileSync(join(many, `pod-${String(i).padStart(4, '0')}.yaml`), text);
      one.push(text);
    }
    const single = join(mkdtempSync(join(tmpdir(), 'podwall-one-')), 'all.yaml');
    writeFileSync(single, one.join('---\n'));
    const time = (path: string): number => {
      const t = performance.now();
      const r = podwall(['matrix', '--dataplane', 'kubernetes', '-f', path, '--port', '80', '-n', 'ns0', '-o', 'csv']);
      assert.equal(r.code, 0, r.stderr);
      return performance.now() - t;
    };
    // the better of two runs each, with room for a shared machine; a per-file cost of 5 ms would add 4 s
    const tMany = Math.min(time(many), time(many));
    const tOne = Math.min(time(single), time(single));
    assert.ok(tMany < tOne * 1.5 + 1500, `800 files ${Math.round(tMany)} ms, one file ${Math.round(tOne)} ms`);
  });
});
