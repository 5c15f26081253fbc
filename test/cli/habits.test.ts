// The CLI habits users bring from kubectl and friends, through the real binary.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { podwall, ROOT } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'podwall-habits-'));

describe('podwall test DIR', () => {
  it('runs the *.test.yaml files of the bundled example and reads the rest as manifests', () => {
    const r = podwall(['test', 'examples/shop']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^PASS examples\/shop\/connectivity\.test\.yaml \(9 assertions\)$/m);
    assert.doesNotMatch(r.stdout, /cluster\.yaml|policies\.yaml/);
  });

  it('-n sets the namespace of bare names in the assertions', () => {
    const file = join(dir, 'bare.test.yaml');
    writeFileSync(file, 'assertions:\n  - {from: storefront, to: api, port: 9000, expect: allow}\n  - {from: storefront, to: db, port: 5432, expect: deny}\n');
    const r = podwall(['test', file, '-f', 'examples/shop', '-n', 'shop']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /2 passed, 0 failed/);
    // without -n, bare names are in `default`, as kubectl's
    const without = podwall(['test', file, '-f', 'examples/shop']);
    assert.equal(without.code, 2);
    assert.match(without.stderr, /bare\.test\.yaml:2.*unknown endpoint "storefront"/);
  });
});

describe('relative times', () => {
  const now = Date.now();
  const csv = join(dir, 'flows.csv');
  const at = (msAgo: number): string => new Date(now - msAgo).toISOString();
  writeFileSync(csv, `time,src,dst,dst_port,protocol,verdict\n${at(3 * 86_400_000)},10.0.1.10,10.0.1.12,5432,TCP,deny\n${at(3_600_000)},10.0.1.10,10.0.1.12,5432,TCP,deny\n`);
  const flows = (...args: string[]): number => JSON.parse(podwall(['flows', 'summary', csv, '-f', 'test/fixtures/flows/cluster.yaml', '-o', 'json', ...args]).stdout).summary.flows;

  it('--since 24h, 7d, 1h30m and --until 2d count from now; dates are read too', () => {
    assert.equal(flows(), 2);
    assert.equal(flows('--since', '24h'), 1);
    assert.equal(flows('--since', '7d'), 2);
    assert.equal(flows('--since', '1h30m'), 1);
    assert.equal(flows('--until', '2d'), 1);
    assert.equal(flows('--since', new Date(now - 2 * 86_400_000).toISOString().slice(0, 10)), 1);
    const bad = podwall(['flows', 'summary', csv, '--since', 'yesterday']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--since "yesterday": expected a time or date .* or how long ago \(30m, 24h, 7d\)/);
  });
});

describe('mistakes and empty answers', () => {
  it('a mistyped flag says "did you mean", even when it hides a required option', () => {
    const r = podwall(['explain', '--form', 'shop/api', '--to', 'shop/db', '--port', '5432', '-f', 'examples/shop']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option '--form'\n\(Did you mean --from\?\)/);
    assert.doesNotMatch(r.stderr, /required option/);
    const cmd = podwall(['explian']);
    assert.equal(cmd.code, 2);
    assert.match(cmd.stderr, /unknown command 'explian'\n\(Did you mean explain\?\)/);
    // a required option really missing is still said
    assert.match(podwall(['explain', '--to', 'shop/db', '--port', '5432', '-f', 'examples/shop']).stderr, /required option '--from <ref>' not specified/);
  });

  it('SARIF names no tool home the project does not have', () => {
    const r = podwall(['audit', '-f', 'examples/shop', '-o', 'sarif']);
    const driver = JSON.parse(r.stdout).runs[0].tool.driver;
    assert.equal(driver.name, 'podwall');
    assert.equal(driver.informationUri, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).repository?.url);
  });

  it('help names kubectl podwall when run as the kubectl plugin', () => {
    const plugin = join(dir, 'kubectl-podwall');
    symlinkSync(join(ROOT, 'bin', 'podwall.js'), plugin);
    const r = spawnSync(process.execPath, [plugin, 'explain', '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Usage: kubectl podwall explain \[options\]/);
    assert.match(podwall(['--help']).stdout, /^Usage: podwall \[options\]/);
  });
});

describe('podwall advise', () => {
  it('never proposes a name the cluster uses for other contents: says so and picks another', () => {
    const r = podwall(['advise', 'test/fixtures/flows/logs', '-f', 'test/fixtures/flows/cluster.yaml', '-n', 'shop']);
    assert.equal(r.code, 0, r.stderr);
    // the fixture has shop/api-egress and shop/frontend-egress with other rules; its default-deny is the same
    assert.match(r.stderr, /NetworkPolicy shop\/api-egress exists with other contents: advised as api-egress-2 instead/);
    assert.match(r.stdout, /name: api-egress-2\n/);
    assert.doesNotMatch(r.stdout, /name: api-egress\n/);
    assert.match(r.stdout, /name: default-deny\n/);
  });
});

describe('validation errors', () => {
  it('every invalid object of a run is listed, up to 20, not only the first', () => {
    const bad = (i: number): string => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p${i}, namespace: shop}\nspec: {podSelector: {matchLabels: ${i}}}\n`;
    const three = join(dir, 'three.yaml');
    writeFileSync(three, [bad(1), 'apiVersion: v1\nkind: Pod\nmetadata: {name: ok, namespace: shop}\nspec: {containers: [{name: c, image: x}]}\n', bad(2), 'apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: shop}\nspec: {ports: [{port: 99999}]}\n'].join('---\n'));
    const r = podwall(['matrix', '-f', three]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.deepEqual(lines.map((l) => l.replace(/: error: .*/, '')), [`podwall: ${three}:4: NetworkPolicy shop/p1`, `podwall: ${three}:14: NetworkPolicy shop/p2`, `podwall: ${three}:19: Service shop/s`, 'podwall: 3 invalid objects']);
    const many = join(dir, 'many.yaml');
    writeFileSync(many, Array.from({ length: 25 }, (_, i) => bad(i)).join('---\n'));
    const m = podwall(['matrix', '-f', many]);
    assert.equal(m.stderr.trim().split('\n').filter((l) => / error: /.test(l)).length, 20);
    assert.match(m.stderr, /podwall: 20 invalid objects shown; there are more\n$/);
  });
});

