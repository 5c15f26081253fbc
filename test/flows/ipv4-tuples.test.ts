// The table the counting pass looks every plain agent line up in (src/flows/ipv4-tuples.ts), held to a
// Map on random connections: addresses past 2^31 (negative as 32-bit integers), meta 0, growth.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ABSENT, Ipv4Tuples } from '../../src/flows/ipv4-tuples.js';

describe('Ipv4Tuples', () => {
  it('finds what was added, and nothing else, as a Map of the same keys does', () => {
    let s = 7;
    const rnd = (n: number): number => {
      s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
      return (s >>> 8) % n;
    };
    const t = new Ipv4Tuples();
    const want = new Map<string, number>();
    // few addresses in two subnets (one past 2^31): keys differ in their low bits only
    const address = (): number => (rnd(2) ? 0x0a000000 : 0xc0a80000) + rnd(300);
    for (let i = 0; i < 20_000; i++) {
      const src = address();
      const dst = address();
      const meta = rnd(4) === 0 ? 0 : rnd(1 << 22);
      const k = `${src} ${dst} ${meta}`;
      const got = t.get(src, dst, meta);
      if (want.has(k)) assert.equal(got, want.get(k), k);
      else {
        assert.equal(got, ABSENT, k);
        const value = rnd(2) ? -1 - rnd(1000) : i;
        t.add(src, dst, meta, value);
        want.set(k, value);
      }
    }
    assert.equal(t.size, want.size);
    for (const [k, v] of want) {
      const [src, dst, meta] = k.split(' ').map(Number) as [number, number, number];
      assert.equal(t.get(src, dst, meta), v, k);
      // the same address as a signed 32-bit integer is the same key
      assert.equal(t.get(src | 0, dst | 0, meta), v, k);
    }
    assert.equal(t.get(1, 2, 3), ABSENT);
  });
});
