// Fault injection on what podwall writes: the history database, -o files, stdout pipes, and the dashboard.
// Run as root, chmod stops nothing: the locations that really fail are a path through a regular file, a
// directory at the file's path, /proc (no files can be made there), a read-only bind mount and a full tmpfs
// (the last two only where mount is allowed; skipped otherwise).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { ROOT } from '../helpers.js';
import { listing, run, tryMount, unmount } from './run.js';

const SHOP = join(ROOT, 'examples', 'shop');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'podwall-faults-'));
const NOT_A_CRASH = /internal error|    at |ERR_|SqliteError/;

describe('the history database', () => {
  const dir = tmp();
  writeFileSync(join(dir, 'plain-file'), 'not a database, and not a directory either\n');
  mkdirSync(join(dir, 'a-directory'));
  const cases: { name: string; db: string; message: RegExp }[] = [
    { name: 'a directory at the path', db: join(dir, 'a-directory'), message: /cannot open the history database .*a-directory: it is a directory; give another path with --db or \$PODWALL_DB/ },
    { name: 'a file that is not a database', db: join(dir, 'plain-file'), message: /plain-file: the file is not a SQLite database/ },
    { name: 'a path under a regular file', db: join(dir, 'plain-file', 'history.db'), message: /plain-file\/history\.db: a part of the path is a file, not a directory/ },
    { name: 'a location where nothing can be created (/proc)', db: '/proc/podwall-history.db', message: /\/proc\/podwall-history\.db: the location cannot be written/ },
  ];
  for (const c of cases) {
    it(`${c.name}: said before the work, exit 2, nothing left behind`, async () => {
      const before = listing(dir);
      const r = await run(['audit', '-f', SHOP, '--record', '--db', c.db]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, c.message);
      assert.doesNotMatch(r.stderr, NOT_A_CRASH);
      assert.equal(r.stdout, '', 'the audit was not run, so nothing is printed');
      assert.deepEqual(listing(dir), before);
    });
  }

  it('a read-only bind mount: exit 2, named', async (t) => {
    const ro = tmp();
    if (!tryMount(['--bind', ro, ro]) || !tryMount(['-o', 'remount,bind,ro', ro])) {
      unmount(ro);
      return t.skip('mount is not allowed here');
    }
    try {
      const r = await run(['audit', '-f', SHOP, '--record', '--db', join(ro, 'history.db')]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /history\.db: (the location cannot be written|the database or its directory is read-only|.*read-only)/);
      assert.deepEqual(listing(ro), []);
    } finally {
      unmount(ro);
    }
  });

  it('a row with invalid JSON is skipped with a warning; history still works', async () => {
    const db = join(tmp(), 'h.db');
    for (let i = 0; i < 2; i++) assert.equal((await run(['audit', '-f', SHOP, '--record', '--db', db, '-o', 'json'])).code, 0);
    const raw = new Database(db);
    raw.prepare('UPDATE runs SET kpis = ? WHERE id = 1').run('{"truncated":');
    raw.close();
    const r = await run(['history', '--db', db, '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /h\.db: runs row 1 is not readable \(invalid JSON or an unexpected shape\); skipped/);
    assert.deepEqual(JSON.parse(r.stdout).runs.map((x: { id: number }) => x.id), [2]);
  });
});

describe('snapshot -o', () => {
  it('a missing directory, a directory, a path under a file and a device are named before any work', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'file'), 'x');
    mkdirSync(join(dir, 'adir'));
    const cases: [string, RegExp][] = [
      [join(dir, 'missing', 'snap.yaml'), /cannot write .*missing\/snap\.yaml: the directory .*missing does not exist; create it first/],
      [join(dir, 'adir'), /cannot write .*adir: it is a directory; give a file name/],
      [join(dir, 'file', 'snap.yaml'), /cannot write .*file\/snap\.yaml: a part of the path is a file, not a directory/],
      ['/dev/full', /cannot write \/dev\/full: it is not a regular file/],
    ];
    const before = listing(dir);
    for (const [target, message] of cases) {
      const r = await run(['snapshot', '-f', SHOP, '-o', target]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, NOT_A_CRASH);
    }
    assert.deepEqual(listing(dir), before);
    assert.deepEqual(listing(join(dir, 'adir')), []);
  });

  it('a temporary file left by a writer that was killed outright is removed by the next write; a running writer\'s is kept', async () => {
    const dir = tmp();
    const target = join(dir, 'snap.yaml');
    // a pid that ran and is gone, and one that is running (this test's own)
    const gone = await new Promise<number>((resolve) => {
      const c = spawn(process.execPath, ['-e', '0']);
      c.on('exit', () => resolve(c.pid!));
    });
    const stale = `.snap.yaml.podwall-${gone}-0123abcd.tmp`;
    const live = `.snap.yaml.podwall-${process.pid}-89abcdef.tmp`;
    const other = `.other.yaml.podwall-${gone}-0123abcd.tmp`;
    for (const name of [stale, live, other]) writeFileSync(join(dir, name), 'half a snapshot');
    const r = await run(['snapshot', '-f', SHOP, '-o', target]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(listing(dir), [other, live, 'snap.yaml'].sort(), 'only the dead writer\'s file of this target went');
  });

  it('SIGINT at any moment leaves the whole snapshot or none, and never a temporary file', async () => {
    const input = tmp();
    const pods = Array.from({ length: 20000 }, (_, i) => `---\napiVersion: v1\nkind: Pod\nmetadata: {name: p-${i}, namespace: shop, labels: {app: a${i % 50}}}\nspec: {containers: [{name: c, image: x}]}\n`).join('');
    writeFileSync(join(input, 'pods.yaml'), pods);
    const whole = await run(['snapshot', '-f', input]);
    assert.equal(whole.code, 0, whole.stderr);
    const body = (text: string): string => text.replace(/podwall\.io\/taken-at: \S+/, '');
    // early, mid-way and late: the signal meets reading, building, writing or renaming
    for (const delay of [300, 1500, 3000, 6000]) {
      const dir = tmp();
      const child = spawn(process.execPath, [join(ROOT, 'bin', 'podwall.js'), 'snapshot', '-f', input, '-o', join(dir, 'snap.yaml')], { cwd: ROOT, stdio: 'ignore' });
      const timer = setTimeout(() => child.kill('SIGINT'), delay);
      const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
      clearTimeout(timer);
      const left = listing(dir);
      assert.ok(left.length === 0 || (left.length === 1 && left[0] === 'snap.yaml'), `after ${delay} ms (exit ${code}): ${left.join(', ')}`);
      if (left.length) assert.equal(body(readFileSync(join(dir, 'snap.yaml'), 'utf8')), body(whole.stdout), `after ${delay} ms: a whole snapshot`);
      else assert.ok(code === 130 || code === null, `after ${delay} ms: exit ${code} without a snapshot`);
    }
  });

  it('a full disk: exit 2, no temporary file, no half-written snapshot', async (t) => {
    const small = tmp();
    if (!tryMount(['-t', 'tmpfs', '-o', 'size=4k', 'tmpfs', small])) return t.skip('mount is not allowed here');
    try {
      const r = await run(['snapshot', '-f', SHOP, '-o', join(small, 'snap.yaml')]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /cannot write .*snap\.yaml: no space left on the device \(ENOSPC\)/);
      assert.deepEqual(listing(small), []);
    } finally {
      unmount(small);
    }
  });
});

describe('standard output', () => {
  it('a reader that goes away (| head): exit 0, not a word on stderr', async () => {
    // many objects, so the output is far larger than a pipe's buffer
    const dir = tmp();
    const pods = Array.from({ length: 3000 }, (_, i) => `---\napiVersion: v1\nkind: Pod\nmetadata: {name: p-${i}, namespace: shop, labels: {app: a${i % 50}}}\nspec: {containers: [{name: c, image: x}]}\n`).join('');
    writeFileSync(join(dir, 'pods.yaml'), pods);
    const r = await run(['snapshot', '-f', dir], { onStdout: (_chunk, stop) => stop() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
  });

  it('a full device: one sentence, exit 2', async () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const r = await run(['audit', '-f', SHOP], { stdout: fd });
      assert.equal(r.code, 2);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /^podwall: cannot write the results to standard output: no space left on the device \(ENOSPC\)/);
    } finally {
      closeSync(fd);
    }
  });
});

describe('the dashboard', () => {
  it('answers only its own address, with CSP and anti-framing headers', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'podwall.js'), 'serve', '-f', SHOP, '--port', '0'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    try {
      const deadline = Date.now() + 60_000;
      while (!/serving on http:\/\/127\.0\.0\.1:(\d+)/.test(stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const port = Number(/serving on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)![1]);
      const get = (path: string, host: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> =>
        new Promise((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port, path, headers: { host }, timeout: 30_000 }, (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
          });
          req.on('error', reject);
          req.end();
        });
      for (const host of ['evil.example.com', `evil.example.com:${port}`, '127.0.0.1.nip.io']) {
        const r = await get('/api/summary', host);
        assert.equal(r.status, 421, host);
        assert.doesNotMatch(r.body, /examples|shop/, 'nothing of the cluster for a foreign Host');
      }
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
        const r = await get('/api/summary', host);
        assert.equal(r.status, 200, host);
        assert.equal(r.headers['x-frame-options'], 'DENY');
        assert.equal(r.headers['x-content-type-options'], 'nosniff');
        assert.match(String(r.headers['content-security-policy']), /default-src 'none'; script-src 'self'.*frame-ancestors 'none'/);
      }
      const page = await get('/', `127.0.0.1:${port}`);
      assert.equal(page.status, 200);
      assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('close', r));
    }
  });
});
