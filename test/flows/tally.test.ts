// Counting distinct flows before attribution: every line counted once, grouped only where exact,
// and the chunked line splitter giving exactly the lines of the line-by-line one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlowTally } from '../../src/flows/tally.js';
import type { FlowRecord } from '../../src/flows/record.js';
import { splitLineBatches, splitLines } from '../../src/sources/lines.js';

const line = (ts: string, sport: number, verdict = 'DENY', extra = ''): string =>
  `{"level":"info","ts":"${ts}","logger":"ebpf-client"${extra},"msg":"Flow Info: Src IP: 10.0.0.1 Src Port: ${sport} Dest IP: 10.0.0.2 Dest Port: 80 Proto TCP Verdict ${verdict} Direction ingress, Tier NETWORK_POLICY"}`;

function run(lines: string[], window = {}, boundaries: number[] = []) {
  const added: { flow: FlowRecord & { line?: number }; count: number; last?: number }[] = [];
  const tally = new FlowTally({ add: (flow, count, last) => added.push({ flow, count, ...(last !== undefined ? { last } : {}) }) }, window, boundaries);
  lines.forEach((l, i) => assert.equal(tally.line(l, 'agent', 'a.log', i + 1).kind, 'flow'));
  tally.flush();
  return added;
}

describe('flow tally', () => {
  it('groups lines differing only in source port and time within the hour, with their span', () => {
    const added = run([line('2026-11-01T10:05:00.5Z', 40000), line('2026-11-01T10:59:59Z', 40001), line('2026-11-01T10:30:00.123Z', 40002, 'ACCEPT'), line('2026-11-01T11:00:00Z', 40003)]);
    assert.equal(added.length, 3);
    assert.deepEqual(added.map((a) => a.count), [2, 1, 1]);
    assert.equal(added[0]!.flow.time, Date.parse('2026-11-01T10:05:00.500Z'));
    assert.equal(added[0]!.last, Date.parse('2026-11-01T10:59:59Z'));
    assert.equal(added[0]!.flow.srcPort, 40000);
    assert.equal(added[0]!.flow.line, 1);
  });

  it('applies the time window to each line, not to the group', () => {
    const since = Date.parse('2026-11-01T10:30:00Z');
    const added = run([line('2026-11-01T10:05:00Z', 1), line('2026-11-01T10:45:00Z', 2), line('2026-11-01T10:50:00Z', 3)], { since });
    assert.deepEqual(added.map((a) => [a.count, a.flow.time, a.flow.line]), [[2, Date.parse('2026-11-01T10:45:00Z'), 2]]);
  });

  it('does not group where the text does not say the time exactly: a second ts key, or a snapshot boundary in the hour', () => {
    const dup = run([line('2026-11-01T10:05:00Z', 1, 'DENY', ',"ts":"2026-11-01T10:05:00Z"'), line('2026-11-01T10:06:00Z', 2, 'DENY', ',"ts":"2026-11-01T10:05:00Z"')]);
    assert.deepEqual(dup.map((a) => [a.count, a.flow.time]), [[1, Date.parse('2026-11-01T10:05:00Z')], [1, Date.parse('2026-11-01T10:05:00Z')]]);
    const split = run([line('2026-11-01T10:05:00Z', 1), line('2026-11-01T10:50:00Z', 2)], {}, [Date.parse('2026-11-01T10:30:00Z')]);
    assert.deepEqual(split.map((a) => [a.count, a.flow.time]), [[1, Date.parse('2026-11-01T10:05:00Z')], [1, Date.parse('2026-11-01T10:50:00Z')]]);
  });
});

describe('chunked line splitting', () => {
  it('gives the lines of splitLines for any chunking, with CR, over-long lines and a last line without newline', async () => {
    const text = Buffer.from(`a\r\nbb\n${'x'.repeat(40)}\n\nééé\n${'y'.repeat(25)}\nlast`);
    const collect = async <T>(g: AsyncIterable<T>): Promise<T[]> => {
      const out: T[] = [];
      for await (const x of g) out.push(x);
      return out;
    };
    for (const size of [1, 2, 3, 7, 16, 1000]) {
      const chunks = async function* () {
        for (let i = 0; i < text.length; i += size) yield text.subarray(i, i + size);
      };
      const want = await collect(splitLines(chunks(), 30));
      const got = (await collect(splitLineBatches(chunks(), 30))).flat();
      assert.deepEqual(got, want, `chunks of ${size}`);
    }
  });
});
