// Progress of long steps: on a terminal's stderr only, never on a pipe, never in the results.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { terminalProgress } from '../../src/cli/progress.js';
import { podwall, ROOT } from '../helpers.js';

const EX = join(ROOT, 'examples', 'shop');
const dir = mkdtempSync(join(tmpdir(), 'podwall-progress-'));
const hasScript = spawnSync('script', ['--version']).status === 0;

/** Runs podwall under a pseudo-terminal (util-linux `script`), stdout to a file; returns what the terminal showed. */
function onTerminal(args: string[], out: string, env: NodeJS.ProcessEnv = {}): string {
  const quoted = [process.execPath, join(ROOT, 'bin', 'podwall.js'), ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('script', ['-qec', `${quoted} > '${out}'`, '/dev/null'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', TERM: 'xterm', ...env } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  return r.stdout;
}

describe('progress on a terminal', { skip: hasScript ? false : 'util-linux script is not installed' }, () => {
  it('matrix shows its steps on a terminal, erases them, and the results are those of a pipe', () => {
    const out = join(dir, 'matrix.csv');
    const shown = onTerminal(['matrix', '--dataplane', 'kubernetes', '-f', EX, '-o', 'csv'], out);
    assert.match(shown, /\rpodwall: reading /);
    assert.match(shown, /\rpodwall: building the model\x1b\[K/);
    assert.match(shown, /\rpodwall: matrix: workload rows \d+\/\d+ \(\d+%\)/);
    assert.ok(shown.endsWith('\r\x1b[K'), 'the last thing on the terminal erases the line');
    assert.doesNotMatch(shown, /\x1b\[\d+m/, 'no colour under NO_COLOR');
    const piped = podwall(['matrix', '--dataplane', 'kubernetes', '-f', EX, '-o', 'csv']);
    assert.equal(readFileSync(out, 'utf8'), piped.stdout);
  });

  it('audit shows each check; JSON results stay clean', () => {
    const out = join(dir, 'audit.json');
    const shown = onTerminal(['audit', '-f', EX, '-o', 'json'], out);
    assert.match(shown, /\rpodwall: audit: [a-z-]+ \(check \d+ of \d+\)/);
    assert.doesNotThrow(() => JSON.parse(readFileSync(out, 'utf8')));
    assert.doesNotMatch(readFileSync(out, 'utf8'), /podwall: |\r/);
  });

  it('serve shows its steps until it listens, each file read once, and says where it serves on a line of its own', { timeout: 120_000 }, async () => {
    const quoted = [process.execPath, join(ROOT, 'bin', 'podwall.js'), 'serve', '-f', EX, '--port', '0'].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qec', `exec ${quoted}`, '/dev/null'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', TERM: 'xterm' } });
    let shown = '';
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d) => {
          shown += d;
          if (/serving on http:\/\/127\.0\.0\.1:\d+\//.test(shown)) resolve();
        });
        child.on('close', (code) => reject(new Error(`script exited ${code} before serve listened: ${JSON.stringify(shown)}`)));
      });
    } finally {
      child.kill('SIGTERM');
    }
    const reads = shown.match(/\rpodwall: reading [^\r]*policies\.yaml/g) ?? [];
    assert.equal(reads.length, 1, `policies.yaml read ${reads.length} times: ${JSON.stringify(shown)}`);
    for (const step of ['building the model', 'audit', 'the dashboard\'s worker thread loads the model']) assert.ok(shown.includes(`\rpodwall: ${step}\x1b[K`), `${step}: ${JSON.stringify(shown)}`);
    // the last step's line is erased before the address is written, which stands alone
    assert.match(shown, /\r\x1b\[Kpodwall: serving on http:\/\/127\.0\.0\.1:\d+\/ \(Ctrl-C to stop\)/, JSON.stringify(shown));
  });

  it('a dumb terminal gets none', () => {
    const shown = onTerminal(['matrix', '--dataplane', 'kubernetes', '-f', EX, '-o', 'csv'], join(dir, 'dumb.csv'), { TERM: 'dumb' });
    assert.doesNotMatch(shown, /podwall: (reading|building|matrix)|\r(?!\n)/); // a terminal ends lines with \r\n
  });

  it('on a pipe there is none', () => {
    const r = podwall(['matrix', '--dataplane', 'kubernetes', '-f', EX, '-o', 'csv']);
    assert.equal(r.code, 0);
    assert.doesNotMatch(r.stderr, /podwall: (reading|building|matrix)|\r/);
    const a = podwall(['audit', '-f', EX]);
    assert.doesNotMatch(a.stderr, /podwall: audit:|\r/);
  });
});

describe('terminalProgress', () => {
  it('draws nothing unless its stream is a terminal', () => {
    const written: string[] = [];
    const p = terminalProgress({ isTTY: false, write: (t) => written.push(t) }, {});
    p.step('x', 3);
    p.update(2);
    p.end();
    assert.deepEqual(written, []);
  });

  it('redraws at most every 100 ms, shows elapsed seconds after two, and erases at the end', () => {
    const written: string[] = [];
    let t = 0;
    const p = terminalProgress({ isTTY: true, columns: 200, write: (s) => written.push(s) }, {}, () => t);
    p.step('matrix', 10);
    p.update(1); // too soon
    t = 150;
    p.update(2);
    t = 2500;
    p.update(9);
    p.end();
    assert.deepEqual(written, ['\rpodwall: matrix 0/10 (0%)\x1b[K', '\rpodwall: matrix 2/10 (20%)\x1b[K', '\rpodwall: matrix 9/10 (90%), 2s\x1b[K', '\r\x1b[K']);
  });

  it('escapes control characters of names and fits the line to the terminal', () => {
    const written: string[] = [];
    const p = terminalProgress({ isTTY: true, columns: 30, write: (s) => written.push(s) }, {});
    p.step('reading evil\x1b[2J.yaml and a very long name after it');
    assert.equal(written[0], '\rpodwall: reading evil\\x1b[2J.\x1b[K'); // 29 columns
  });
});
