// watch --flows follows flow logs as tail -F does: lines appended, a line written in two parts, a
// file truncated in place, a new file in the directory, a rotated gzip archive skipped.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import type { FollowedFlow } from '../../src/flows/follow.js';
import { FileFollower } from '../../src/sources/flow-tail.js';

const line = (src: string, verdict: string): string => `2026-11-23T10:00:00Z,${src},10.0.0.2,80,TCP,${verdict}\n`;

describe('FileFollower', () => {
  it('reads what is there, then appended lines, a line once its newline comes, a truncated file again, new files; skips gzip', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-tail-'));
    const a = join(dir, 'a.csv');
    writeFileSync(a, 'time,src,dst,dst_port,protocol,verdict\n' + line('10.0.0.1', 'allow'));
    writeFileSync(join(dir, 'old.csv.gz'), gzipSync(line('10.0.0.9', 'allow')));
    const flows: FollowedFlow[] = [];
    const notices: string[] = [];
    const f = new FileFollower([dir], { pollMs: 20 });
    const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 150));
    await f.start({ flow: (x) => flows.push(x), notice: (m) => notices.push(m) });
    try {
      assert.deepEqual(flows.map((x) => [x.src.text, x.file, x.line]), [['10.0.0.1', a, 2]], 'what the file held at start');
      appendFileSync(a, line('10.0.0.3', 'deny').slice(0, 20));
      await settle();
      assert.equal(flows.length, 1, 'half a line is not a flow yet');
      appendFileSync(a, line('10.0.0.3', 'deny').slice(20));
      await settle();
      assert.deepEqual(flows.slice(1).map((x) => [x.src.text, x.verdict, x.line]), [['10.0.0.3', 'deny', 3]]);
      truncateSync(a, 0);
      await settle();
      writeFileSync(a, 'time,src,dst,dst_port,protocol,verdict\n' + line('10.0.0.4', 'allow'));
      await settle();
      assert.deepEqual(flows.slice(2).map((x) => [x.src.text, x.line]), [['10.0.0.4', 2]], 'read again from the start');
      writeFileSync(join(dir, 'b.csv'), 'time,src,dst,dst_port,protocol,verdict\n' + line('10.0.0.5', 'allow'));
      await settle();
      assert.deepEqual(flows.slice(3).map((x) => [x.src.text, x.file]), [['10.0.0.5', join(dir, 'b.csv')]]);
    } finally {
      f.stop();
    }
    assert.ok(notices.some((n) => /old\.csv\.gz: skipped, gzip/.test(n)), notices.join('\n'));
    assert.ok(notices.some((n) => /a\.csv: truncated/.test(n)), notices.join('\n'));
    assert.ok(!flows.some((x) => x.src.text === '10.0.0.9'), 'the archive is not read');
  });
});
