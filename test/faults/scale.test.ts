// Limits of JavaScript that input size can reach: a spread (`push(...xs)`, `Math.max(...xs)`) takes
// as many arguments as the stack holds (about 120,000 with Node's default stack), so an audit of
// 130,000 namespaces ended in "RangeError: Maximum call stack size exceeded". Reproduced here at a
// 25th of the size by running podwall with a 25th of the stack (--stack-size=70, in KB: about
// 5,000 arguments), which fails the same way before the fix and costs seconds instead of minutes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers.js';

const SMALL_STACK = '--stack-size=70';

function podwallSmallStack(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [SMALL_STACK, join(ROOT, 'bin', 'podwall.js'), ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('more findings and objects than a call takes arguments', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podwall-spread-'));
  const n = 6000;
  writeFileSync(join(dir, 'namespaces.yaml'), Array.from({ length: n }, (_, i) => `---\napiVersion: v1\nkind: Namespace\nmetadata: {name: n${i}}\n`).join(''));

  for (const output of ['text', 'junit']) {
    it(`audit of ${n} namespaces without policies (one finding each), -o ${output}, with a small stack`, () => {
      const r = podwallSmallStack(['audit', '-f', dir, '-o', output]);
      assert.equal(r.code, 0, r.stderr.slice(0, 2000));
      assert.doesNotMatch(r.stderr, /internal error|RangeError/);
      const findings = output === 'json' ? JSON.parse(r.stdout).findings.filter((f: { check: string }) => f.check === 'namespace-without-policy').length : r.stdout.split('\n').filter((l) => /^\s*(<testcase .*message="|)namespace n\d+ has no NetworkPolicy/.test(l)).length;
      assert.equal(findings, n);
    });
  }
});
