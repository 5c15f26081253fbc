// The audit's EKS probe order: the same pairs in the same order as listing them all and taking them
// round robin, but made one at a time: asking for the first pairs of a namespace of thousands of pods
// reads a bounded number of names, not pods² (the quadratic audit of one 6,000-pod namespace).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { probePairs, type ProbePair, type ServicePort } from '../../src/audit/probe-order.js';

/** The order as written before: every pair listed, grouped by source, taken round robin. */
function listed(pods: string[], addresses: string[], domains: string[], services: ServicePort[]): ProbePair[] {
  const pairs: ProbePair[] = [];
  for (const a of pods) for (const b of pods) if (a !== b) pairs.push({ from: a, to: b });
  for (const a of pods) {
    for (const x of addresses) pairs.push({ from: a, to: x }, { from: x, to: a });
    for (const d of domains) pairs.push({ from: a, to: d });
    for (const s of services) pairs.push({ from: a, to: s.ref, ports: [s.port], protocol: s.protocol });
  }
  const bySource = new Map<string, ProbePair[]>();
  for (const p of pairs) (bySource.get(p.from) ?? bySource.set(p.from, []).get(p.from)!).push(p);
  const out: ProbePair[] = [];
  for (let i = 0; out.length < pairs.length; i++) for (const q of bySource.values()) if (i < q.length) out.push(q[i]!);
  return out;
}

const names = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const svc = (n: number): ServicePort[] => Array.from({ length: n }, (_, i) => ({ ref: `a/svc/s${i}`, port: 80 + i, protocol: i % 2 ? 'UDP' : 'TCP' }));

describe('probePairs', () => {
  it('yields the pairs of the listed round robin, in its order', () => {
    for (const [p, x, d, s] of [[0, 2, 1, 1], [1, 0, 0, 0], [1, 3, 1, 2], [2, 0, 0, 0], [5, 3, 2, 4], [7, 1, 0, 0], [4, 0, 3, 1]] as const) {
      const args = [names('a/p', p), names('10.0.0.', x), names('d', d).map((n) => `${n}.example.com`), svc(s)] as const;
      assert.deepEqual([...probePairs(...args)], listed(...args), `${p} pods, ${x} addresses, ${d} domains, ${s} service ports`);
    }
  });

  it('reads a bounded number of names per pair, whatever the number of pods', () => {
    let reads = 0;
    const counted = (list: string[]): string[] =>
      new Proxy(list, {
        get(target, key, receiver) {
          if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
          return Reflect.get(target, key, receiver) as unknown;
        },
      });
    const pods = counted(names('a/p', 6000));
    const addresses = counted(names('10.0.0.', 40));
    const take = 20_000;
    let taken = 0;
    for (const pair of probePairs(pods, addresses, ['x.example.com'], svc(3))) {
      assert.ok(pair.from && pair.to);
      if (++taken === take) break;
    }
    assert.equal(taken, take);
    // listing first reads 6,000² names before the first pair; one at a time, a pair reads at most two
    assert.ok(reads <= 2 * take, `${reads} names read for ${take} pairs`);
  });
});
