/** Fixed-size bitsets over class indices, as plain Uint32Arrays for speed. */
export type Bits = Uint32Array;

export function words(size: number): number {
  return (size + 31) >>> 5;
}

export function empty(size: number): Bits {
  return new Uint32Array(words(size));
}

export function full(size: number): Bits {
  const b = new Uint32Array(words(size)).fill(0xffffffff);
  const extra = size & 31;
  if (extra) b[b.length - 1] = (1 << extra) - 1;
  return b;
}

export function set(b: Bits, i: number): void {
  b[i >>> 5]! |= 1 << (i & 31);
}

export function has(b: Bits, i: number): boolean {
  return (b[i >>> 5]! & (1 << (i & 31))) !== 0;
}

export function orInto(target: Bits, src: Bits): void {
  for (let i = 0; i < target.length; i++) target[i]! |= src[i]!;
}

/** target |= a & ~b */
export function orAndNotInto(target: Bits, a: Bits, b: Bits): void {
  for (let i = 0; i < target.length; i++) target[i]! |= a[i]! & ~b[i]!;
}

export function and(a: Bits, b: Bits): Bits {
  const out = new Uint32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! & b[i]!;
  return out;
}

export function andNot(a: Bits, b: Bits): Bits {
  const out = new Uint32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! & ~b[i]!;
  return out;
}

export function isEmpty(b: Bits): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

export function count(b: Bits): number {
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    let v = b[i]!;
    v = v - ((v >>> 1) & 0x55555555);
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    n += (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  }
  return n;
}

export function* members(b: Bits): Generator<number> {
  for (let w = 0; w < b.length; w++) {
    let v = b[w]!;
    while (v !== 0) {
      const t = v & -v;
      yield (w << 5) + (31 - Math.clz32(t));
      v ^= t;
    }
  }
}

/** A stable key for identical bitsets (for deduplication). */
export function key(b: Bits): string {
  const halves = new Uint16Array(b.buffer, b.byteOffset, b.length * 2);
  let out = '';
  for (let i = 0; i < halves.length; i += 4096) out += String.fromCharCode(...halves.subarray(i, i + 4096));
  return out;
}
