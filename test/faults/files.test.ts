// Fault injection on local inputs: odd files in manifest directories, content that is not text, flow logs
// with huge lines, FIFOs and devices. Every case asserts the exit code, the message, and that it ends.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers.js';
import { run } from './run.js';

const SHOP = join(ROOT, 'examples', 'shop');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'podwall-faults-'));
const NOT_A_CRASH = /internal error|    at |RangeError|ERR_/;

describe('manifest inputs', () => {
  it('a directory with a FIFO, a symlink loop and a comment-only file: named, skipped, no hang', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'cluster.yaml'), execFileSync('cat', [join(SHOP, 'cluster.yaml')]));
    execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
    mkdirSync(join(dir, 'sub'));
    symlinkSync('..', join(dir, 'sub', 'loop'));
    writeFileSync(join(dir, 'notes.yaml'), '# nothing here yet\n');
    const r = await run(['matrix', '-f', dir, '-o', 'json'], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /pipe\.yaml: warning: skipped: a FIFO \(named pipe\), not a regular file/);
    assert.match(r.stderr, /sub\/loop: warning: skipped: the same directory as .* already read/);
    assert.match(r.stderr, /notes\.yaml: warning: no objects: the file is empty or holds only comments/);
    assert.ok(JSON.parse(r.stdout).workloads.length > 0, 'the regular file was read');
  });

  it('policies in a symlinked directory are read', async () => {
    const dir = tmp();
    const real = tmp();
    writeFileSync(join(real, 'policies.yaml'), execFileSync('cat', [join(SHOP, 'policies.yaml')]));
    writeFileSync(join(dir, 'cluster.yaml'), execFileSync('cat', [join(SHOP, 'cluster.yaml')]));
    symlinkSync(real, join(dir, 'policies'));
    const linked = await run(['audit', '-f', dir, '-o', 'json']);
    const direct = await run(['audit', '-f', SHOP, '-o', 'json']);
    assert.equal(JSON.parse(linked.stdout).kpis.policies, JSON.parse(direct.stdout).kpis.policies);
  });

  const bad: { name: string; bytes: Buffer; message: RegExp }[] = [
    { name: 'gzip named .yaml', bytes: gzipSync('apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n'), message: /bad\.yaml: error: the file is gzip-compressed, not YAML or JSON/ },
    { name: 'NUL bytes', bytes: Buffer.from('apiVersion: v1\nkind: Namespace\x00\n'), message: /bad\.yaml:2: error: the file holds NUL bytes: it is binary/ },
    { name: 'UTF-16 with a BOM', bytes: Buffer.from('\ufeffapiVersion: v1\n', 'utf16le'), message: /bad\.yaml: error: the file is UTF-16 encoded; podwall reads UTF-8/ },
    { name: 'UTF-16 without a BOM', bytes: Buffer.from('apiVersion: v1\n', 'utf16le'), message: /bad\.yaml:1: error: the file is UTF-16 encoded/ },
    { name: 'Latin-1', bytes: Buffer.from('apiVersion: v1\nkind: Namespace\nmetadata: {name: caf\xe9}\n', 'latin1'), message: /bad\.yaml:3: error: the file is not valid UTF-8/ },
    { name: 'random binary', bytes: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)), message: /bad\.yaml(:\d+)?: error: the file (holds NUL bytes|is not valid UTF-8)/ },
    { name: 'a top-level scalar', bytes: Buffer.from('---\njust a sentence\n'), message: /bad\.yaml:2: error: the document is a string \("just a sentence"\), not a Kubernetes object/ },
    { name: 'a top-level sequence', bytes: Buffer.from('- apiVersion: v1\n  kind: Namespace\n'), message: /bad\.yaml:1: error: the document is a list, not a Kubernetes object/ },
  ];
  for (const c of bad) {
    it(`${c.name}: exit 2 naming the file`, async () => {
      const dir = tmp();
      writeFileSync(join(dir, 'bad.yaml'), c.bytes);
      const r = await run(['audit', '-f', dir]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, c.message);
      assert.doesNotMatch(r.stderr, NOT_A_CRASH);
      assert.equal(r.stdout, '');
    });
  }

  it('/dev/zero given with -f: an error, not a hang', async () => {
    const r = await run(['audit', '-f', '/dev/zero'], { timeoutMs: 30_000 });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\/dev\/zero: error: not a file: it is a character device/);
  });

  it('endless stdin (-f - < /dev/zero): an error at the size bound, not a crash', async () => {
    const fd = openSync('/dev/zero', 'r');
    try {
      const r = await run(['audit', '-f', '-'], { stdin: fd, timeoutMs: 60_000 });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /<stdin>: error: larger than 256 MiB/);
    } finally {
      closeSync(fd);
    }
  });

  it('escape codes in names never reach the terminal raw', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'p.yaml'), 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: "evil\\e]0;owned\\a\\e[2J", namespace: shop}\nspec: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: nope}}]}]}\n');
    const r = await run(['audit', '-f', dir]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /evil\\x1b\]0;owned\\x07\\x1b\[2J/);
    assert.doesNotMatch(r.stderr, /[\x00-\x08\x0b-\x1f\x7f]/);
  });
});

describe('flow logs', () => {
  const cluster = join(ROOT, 'test', 'fixtures', 'flows', 'cluster.yaml');
  const agentLog = join(ROOT, 'test', 'fixtures', 'flows', 'logs', 'agent-v1.3.log');

  it('a 20 MB line is counted as malformed, never held whole; the other lines count', async () => {
    const dir = tmp();
    const log = join(dir, 'huge.log');
    const good = execFileSync('cat', [agentLog]);
    writeFileSync(log, Buffer.concat([good, Buffer.alloc(20 * 1024 * 1024, 'x'), Buffer.from('\n'), good]));
    const r = await run(['flows', 'summary', log, '-f', cluster, '-o', 'json', '--format', 'agent'], { env: { NODE_OPTIONS: '--max-old-space-size=64' } });
    assert.equal(r.code, 0, r.stderr);
    const once = JSON.parse((await run(['flows', 'summary', agentLog, '-f', cluster, '-o', 'json', '--format', 'agent'])).stdout);
    const out = JSON.parse(r.stdout);
    assert.equal(out.summary.flows, 2 * once.summary.flows, 'the good lines on both sides of the huge one were read');
    assert.equal(out.input.malformed, 2 * once.input.malformed + 1);
    assert.ok(out.input.malformedExamples.some((m: { reason: string }) => /the line is 20971520 bytes long/.test(m.reason)));
  });

  // Before the gzip budget this bomb was read whole (1.4 s for 200 MB, more for bigger ones) and
  // counted as one malformed line with exit 0. A log that decompresses beyond the budget cannot be
  // read whole in bounded time, and reading part of it would drop its flows without a word: refused.
  it('a gzip bomb is refused at the ratio bound (exit 2, the file and the bound named), in bounded time and memory', async () => {
    const dir = tmp();
    const log = join(dir, 'bomb.log');
    writeFileSync(log, gzipSync(Buffer.alloc(200 * 1024 * 1024, 0x61), { level: 9 }));
    const r = await run(['flows', 'summary', log, '-f', cluster, '--format', 'agent'], { env: { NODE_OPTIONS: '--max-old-space-size=64' }, timeoutMs: 120_000 });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^podwall: \S*bomb\.log: error: decompresses to more than 200 times its size \(38\.9 MiB from \d+ bytes\): refused as a likely gzip bomb; if it is a real log, decompress it first or raise PODWALL_MAX_GUNZIP_RATIO\n$/);
    assert.equal(r.stdout, '');
  });

  it('a gzip bomb of one flow line repeated is refused as well, by the per-flow readers (replay, summary by time)', async () => {
    const dir = tmp();
    const log = join(dir, 'lines.log.gz');
    const line = execFileSync('head', ['-1', agentLog]);
    writeFileSync(log, gzipSync(Buffer.alloc(20 * 1024 * 1024, line), { level: 9 })); // about 257 to 1
    // replay and advise share the per-flow reader (readFlows); summary with a snapshot reads by time
    for (const args of [['replay', log, '-f', cluster, '--proposed', cluster], ['flows', 'summary', log, '-f', cluster, '--snapshot', `${cluster}@2026-11-01T00:00:00Z`]]) {
      const r = await run(args, { timeoutMs: 60_000 });
      assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
      assert.match(r.stderr, /lines\.log\.gz: error: decompresses to more than 200 times its size/);
      assert.doesNotMatch(r.stderr, NOT_A_CRASH);
    }
  });

  it('with the ratio raised (PODWALL_MAX_GUNZIP_RATIO), the bomb is read in bounded memory as one malformed line', async () => {
    const dir = tmp();
    const log = join(dir, 'bomb.log');
    writeFileSync(log, gzipSync(Buffer.alloc(200 * 1024 * 1024, 0x61), { level: 9 }));
    const r = await run(['flows', 'summary', log, '-f', cluster, '--format', 'agent'], { env: { NODE_OPTIONS: '--max-old-space-size=64', PODWALL_MAX_GUNZIP_RATIO: '2000' }, timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /malformed: 1/);
    assert.match(r.stdout, /bomb\.log:1: the line is 209715200 bytes long, more than the 1048576 podwall reads/);
    const bad = await run(['flows', 'summary', log, '-f', cluster], { env: { PODWALL_MAX_GUNZIP_RATIO: 'lots' } });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /\$PODWALL_MAX_GUNZIP_RATIO: error: must be a positive number, not "lots"/);
  });

  it('/dev/zero as a log is an error; a FIFO in a log directory is skipped with a warning', async () => {
    const zero = await run(['flows', 'summary', '/dev/zero', '-f', cluster], { timeoutMs: 30_000 });
    assert.equal(zero.code, 2);
    assert.match(zero.stderr, /\/dev\/zero: error: not a log file: it is a device/);
    const dir = tmp();
    writeFileSync(join(dir, 'a.log'), execFileSync('cat', [agentLog]));
    execFileSync('mkfifo', [join(dir, 'b.log')]);
    const r = await run(['flows', 'summary', dir, '-f', cluster], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /b\.log: warning: skipped: a FIFO \(named pipe\), not a regular file/);
  });

  it('a log path that cannot be a directory (under a regular file) is named', async () => {
    // root reads any directory whatever its mode: a path through a regular file is what really fails
    const r = await run(['flows', 'summary', join(agentLog, 'logs'), '-f', cluster]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /agent-v1\.3\.log\/logs: error: no such file or directory/);
    assert.doesNotMatch(r.stderr, NOT_A_CRASH);
  });
});
