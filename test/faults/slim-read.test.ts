// Reading manifests keeps of each object only what the model is built from, and lets each file's text
// go (src/sources/files.ts): the cluster, the audit and the matrix must be those of the objects read
// whole, with the same files and lines; a bad object is still named by its line (the text is read
// again), and a file changed since it was read gives no line rather than a wrong one.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeDumpFiles } from '../../bench/dump-files.js';
import { computeMatrix } from '../../src/analysis/matrix.js';
import { defaultConfig } from '../../src/audit/config.js';
import { runAudit } from '../../src/audit/run.js';
import { Engine } from '../../src/engine/engine.js';
import { InputError } from '../../src/k8s/errors.js';
import { buildCluster, expandLists } from '../../src/model/build.js';
import type { Cluster } from '../../src/model/cluster.js';
import { readDocuments } from '../../src/sources/files.js';
import { podwall } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'podwall-slim-read-'));
const dump = writeDumpFiles({ workload: 'typical', namespaces: 12, pods: 300, policies: 90, clusterPolicies: 6 }, dir);
const read = (path: string, slim: boolean): Cluster => buildCluster(expandLists(readDocuments([path], { slim })));
const EKS = { version: 'v1.4.1', compute: 'auto' as const };

/** A copy of the JSON dump with one Pod's containerPort out of range; the file and line of that port. */
function badPod(): { dir: string; file: string; line: number } {
  const bad = mkdtempSync(join(tmpdir(), 'podwall-slim-bad-'));
  let file = '';
  let line = 0;
  for (const name of readdirSync(dump.json).sort()) {
    let text = readFileSync(join(dump.json, name), 'utf8');
    const at = text.indexOf('"containerPort": ');
    if (!file && name > 'namespace-ns3' && at >= 0) {
      const end = text.indexOf('\n', at);
      text = `${text.slice(0, at)}"containerPort": 70000,${text.slice(end)}`;
      file = join(bad, name);
      line = text.slice(0, at).split('\n').length;
    }
    writeFileSync(join(bad, name), text);
  }
  assert.ok(file, 'a Pod with a containerPort past the first files');
  return { dir: bad, file, line };
}

describe('objects read slim (memory follows the model, not the dump)', () => {
  for (const format of ['yaml', 'json'] as const) {
    it(`gives the same cluster, audit and matrix as the objects read whole (${format})`, () => {
      const whole = read(dump[format], false);
      const slim = read(dump[format], true);
      assert.ok(whole.pods.length >= 300 && whole.policies.length > 50);
      // every field, every file and line: the policies' rule lines are found again in the re-read text
      assert.deepEqual(slim, whole);
      assert.ok(slim.policies.every((p) => p.ref.location.line !== undefined && p.ref.location.file.startsWith(dump[format])));
      const audit = (c: Cluster): string => JSON.stringify(runAudit(c, defaultConfig(), [], EKS));
      assert.equal(audit(slim), audit(whole));
      const matrix = (c: Cluster): string => JSON.stringify(computeMatrix(new Engine(c), { namespaces: ['ns3'] }));
      assert.equal(matrix(slim), matrix(whole));
    });
  }

  it('a Pod read slim keeps only what the model reads', () => {
    const [doc] = readDocuments([join(dump.json, 'namespace-ns0.json')], { slim: true });
    const pod = (doc!.value as { items: Record<string, unknown>[] }).items.find((i) => i.kind === 'Pod')!;
    const meta = pod.metadata as Record<string, unknown>;
    assert.equal(meta.managedFields, undefined);
    assert.equal((pod.status as Record<string, unknown>).conditions, undefined);
    assert.ok(meta.labels && (pod.spec as { containers: unknown[] }).containers.length);
  });

  it('names a bad Pod by its file and line through the command line, after its text was let go', () => {
    const bad = badPod();
    const r = podwall(['audit', '-f', bad.dir]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.ok(r.stderr.includes(`${bad.file}:${bad.line}`), `names ${bad.file}:${bad.line}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('gives no line, never a wrong one, for a file changed after it was read', () => {
    const bad = badPod();
    const objects = expandLists(readDocuments([bad.dir], { slim: true }));
    // ten lines more at the top: the old positions would point ten lines too early
    writeFileSync(bad.file, '\n'.repeat(10) + readFileSync(bad.file, 'utf8'));
    assert.throws(
      () => buildCluster(objects),
      (e: unknown) => {
        assert.ok(e instanceof InputError);
        const d = e.diagnostic;
        assert.equal(d.file, bad.file);
        assert.match(d.message, /70000/);
        assert.ok(d.line === undefined || d.line < bad.line, `line ${d.line}: at most the line where the Pod starts`);
        return true;
      },
    );
  });
});
