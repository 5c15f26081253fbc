// The small parts the fault handling rests on, directly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COLOUR_MARK, forTerminal } from '../../src/cli/terminal.js';
import { splitLines } from '../../src/sources/lines.js';
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
