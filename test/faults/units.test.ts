// The small parts the fault handling rests on, directly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COLOUR_MARK, forTerminal } from '../../src/cli/terminal.js';
import { splitLines } from '../../src/sources/lines.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { InputError } from '../../src/k8s/errors.js';
import { newStats } from '../../src/sources/flow-files.js';
import { tallyFiles } from '../../src/sources/flow-tally.js';
import { DEFAULT_MAX_GUNZIP_RATIO, GRACE_BYTES, gunzipBudget, maxGunzipRatio } from '../../src/sources/gzip-budget.js';
import { parseRequestTimeout } from '../../src/sources/live.js';

async function lines(chunks: string[], max: number): Promise<(string | { tooLong: number })[]> {
  async function* source(): AsyncGenerator<Buffer> {
    for (const c of chunks) yield Buffer.from(c);
  }
  const out: (string | { tooLong: number })[] = [];
  for await (const l of splitLines(source(), max)) out.push(l);
  return out;
}

describe('splitLines', () => {
  it('joins lines across chunks, drops the \\r of \\r\\n, keeps a last line without a newline', async () => {
    assert.deepEqual(await lines(['ab', 'c\r\nde', 'f\n\ngh'], 100), ['abc', 'def', '', 'gh']);
  });

  it('reports an over-long line by its length only, and goes on with the next', async () => {
    assert.deepEqual(await lines(['ok\n', 'x'.repeat(6), 'y'.repeat(6), '\nnext\n'], 10), ['ok', { tooLong: 12 }, 'next']);
    assert.deepEqual(await lines(['x'.repeat(25)], 10), [{ tooLong: 25 }]);
    assert.deepEqual(await lines(['0123456789\n'], 10), ['0123456789'], 'exactly the bound is still a line');
  });

  it('keeps a multi-byte character split between chunks whole', async () => {
    const euro = Buffer.from('€\n');
    async function* source(): AsyncGenerator<Buffer> {
      yield euro.subarray(0, 1);
      yield euro.subarray(1);
    }
    const out: unknown[] = [];
    for await (const l of splitLines(source(), 100)) out.push(l);
    assert.deepEqual(out, ['€']);
  });
});

describe('forTerminal', () => {
  it('escapes control characters and bidi overrides, and turns only its own colour marks into ESC', () => {
    assert.equal(forTerminal('a\x1b[2Jb\x07c\u202ed\te\n'), 'a\\x1b[2Jb\\x07c\\u202ed\te\n');
    assert.equal(forTerminal(`${COLOUR_MARK}31mred${COLOUR_MARK}0m`), '\x1b[31mred\x1b[0m');
    assert.equal(forTerminal('x\u202ey', false), 'x\u202ey', 'bidi characters stay in machine output');
    assert.equal(forTerminal('x\x9by', false), 'x\\x9by', 'a C1 CSI never does');
  });
});

describe('--request-timeout', () => {
  it('reads durations as kubectl does', () => {
    assert.equal(parseRequestTimeout('0'), 0);
    assert.equal(parseRequestTimeout('30s'), 30_000);
    assert.equal(parseRequestTimeout('2m'), 120_000);
    assert.equal(parseRequestTimeout('1h'), 3_600_000);
    assert.equal(parseRequestTimeout('500ms'), 500);
    assert.equal(parseRequestTimeout('5'), undefined, 'a non-zero value needs its unit');
    assert.equal(parseRequestTimeout('soon'), undefined);
  });
});

describe('the gzip budget', () => {
  it('allows the ratio times the compressed size, never less than the grace', () => {
    assert.equal(gunzipBudget(1000, 200), GRACE_BYTES);
    assert.equal(gunzipBudget(10 * 1024 * 1024, 200), 2000 * 1024 * 1024);
    assert.equal(maxGunzipRatio({}), DEFAULT_MAX_GUNZIP_RATIO);
    assert.equal(maxGunzipRatio({ PODWALL_MAX_GUNZIP_RATIO: '1500' }), 1500);
    for (const v of ['0', '-3', 'x', 'Infinity']) assert.throws(() => maxGunzipRatio({ PODWALL_MAX_GUNZIP_RATIO: v }), InputError);
  });

  it('the counting path refuses a bomb on worker threads too, naming it, after a plain log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-gzip-'));
    const line = '{"level":"info","ts":"2026-11-22T08:00:00.000Z","logger":"ebpf-client","msg":"Flow Info: Src IP: 10.0.1.20 Src Port: 33000 Dest IP: 10.0.1.12 Dest Port: 5432 Proto TCP Verdict DENY Direction ingress, Tier NETWORK_POLICY"}\n';
    writeFileSync(join(dir, 'a.log'), line.repeat(100));
    writeFileSync(join(dir, 'b.log.gz'), gzipSync(Buffer.alloc(40 * 1024 * 1024, line), { level: 9 }));
    for (const threads of [1, 2]) {
      await assert.rejects(
        tallyFiles([join(dir, 'a.log'), join(dir, 'b.log.gz')], newStats(), { ordering: 'time', threads, tuning: { threadedBytes: 0 } }),
        (e: unknown) => e instanceof InputError && e.diagnostic.file === join(dir, 'b.log.gz') && /decompresses to more than 200 times its size/.test(e.message),
        `threads: ${threads}`,
      );
    }
  });
});
