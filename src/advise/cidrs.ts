import type { Address } from '../model/ip.js';

/**
 * The fewest CIDRs that hold exactly these addresses: sibling blocks merge into their parent, so
 * 10.0.0.0 and 10.0.0.1 become 10.0.0.0/31, and nothing outside the observed set is allowed.
 */
export function mergeAddresses(addresses: readonly Address[]): string[] {
  const out: string[] = [];
  for (const family of [4, 6] as const) {
    const width = family === 4 ? 32 : 128;
    let blocks = new Map<string, { base: bigint; bits: number }>();
    for (const a of addresses) if (a.family === family) blocks.set(`${a.value}/${width}`, { base: a.value, bits: width });
    for (let bits = width; bits > 0; bits--) {
      const next = new Map<string, { base: bigint; bits: number }>();
      const size = 1n << BigInt(width - bits);
      for (const b of blocks.values()) {
        if (b.bits !== bits) {
          next.set(`${b.base}/${b.bits}`, b);
          continue;
        }
        const parentBase = b.base & ~(size * 2n - 1n);
        const sibling = b.base === parentBase ? parentBase + size : parentBase;
        if (blocks.has(`${sibling}/${bits}`)) next.set(`${parentBase}/${bits - 1}`, { base: parentBase, bits: bits - 1 });
        else next.set(`${b.base}/${b.bits}`, b);
      }
      blocks = next;
    }
    const sorted = [...blocks.values()].sort((x, y) => (x.base < y.base ? -1 : x.base > y.base ? 1 : 0));
    for (const b of sorted) out.push(`${format(b.base, family)}/${b.bits}`);
  }
  return out;
}

function format(v: bigint, family: 4 | 6): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.');
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((v >> BigInt(i * 16)) & 0xffffn).toString(16));
  // compress the longest run of zero groups
  let best = [-1, 0];
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best[1]! && j - i > 1) best = [i, j - i];
    i = j;
  }
  if (best[0]! < 0) return groups.join(':');
  const head = groups.slice(0, best[0]).join(':');
  const tail = groups.slice(best[0]! + best[1]!).join(':');
  return `${head}::${tail}`;
}
