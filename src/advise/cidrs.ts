import type { Address } from '../net/ip.js';

/**
 * The fewest CIDRs that hold exactly these addresses: sibling blocks merge into their parent, so
 * 10.0.0.0 and 10.0.0.1 become 10.0.0.0/31, and nothing outside the observed set is allowed. The
 * blocks are kept sorted in an array, where siblings are neighbours (a Map keyed by block would
 * pass its 2^24 entries on a log naming that many addresses).
 */
export function mergeAddresses(addresses: readonly Address[]): string[] {
  const out: string[] = [];
  for (const family of [4, 6] as const) {
    const width = family === 4 ? 32 : 128;
    const values = addresses.filter((a) => a.family === family).map((a) => a.value);
    values.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    let blocks: { base: bigint; bits: number }[] = [];
    for (const v of values) if (blocks.length === 0 || blocks[blocks.length - 1]!.base !== v) blocks.push({ base: v, bits: width });
    // a block of `bits` can only come from merging at the level below: a level with no merge ends it
    for (let bits = width, merged = true; bits > 0 && merged; bits--) {
      merged = false;
      const size = 1n << BigInt(width - bits);
      const next: { base: bigint; bits: number }[] = [];
      for (let i = 0; i < blocks.length; i++) {
        const b = blocks[i]!;
        const n = blocks[i + 1];
        if (b.bits === bits && n?.bits === bits && (b.base & (size * 2n - 1n)) === 0n && n.base === b.base + size) {
          next.push({ base: b.base, bits: bits - 1 });
          merged = true;
          i++;
        } else next.push(b);
      }
      blocks = next;
    }
    for (const b of blocks) out.push(`${format(b.base, family)}/${b.bits}`);
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
