/**
 * Distinct byte strings numbered as first seen, without a string per lookup: the counting pass keys
 * an agent line's connection by its raw field bytes (two ranges of the line), and makes the
 * connection's record only the first time those bytes are seen. Open addressing over typed arrays.
 */
export class RawTuples {
  private bytes: Uint8Array = new Uint8Array(1 << 16);
  private used = 0;
  private starts: Int32Array = new Int32Array(1024);
  private lengths: Int32Array = new Int32Array(1024);
  private hashes: Int32Array = new Int32Array(1024);
  private slots: Int32Array = new Int32Array(2048).fill(-1);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The number of the bytes a[aStart, aEnd) + 0x20 + b[bStart, bEnd), or -1 when not seen yet. */
  find(buf: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): number {
    const h = hash(buf, aStart, aEnd, bStart, bEnd);
    const len = aEnd - aStart + 1 + bEnd - bStart;
    const mask = this.slots.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const id = this.slots[s]!;
      if (id < 0) return -1;
      if (this.hashes[id] === h && this.lengths[id] === len && this.equals(id, buf, aStart, aEnd, bStart, bEnd)) return id;
    }
  }

  /** Numbers bytes not seen yet (find answered -1). */
  insert(buf: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): number {
    const id = this.count++;
    const len = aEnd - aStart + 1 + bEnd - bStart;
    if (id >= this.starts.length) {
      this.starts = grown(this.starts, this.starts.length * 2);
      this.lengths = grown(this.lengths, this.lengths.length * 2);
      this.hashes = grown(this.hashes, this.hashes.length * 2);
    }
    if (this.used + len > this.bytes.length) {
      const b = new Uint8Array(Math.max(this.bytes.length * 2, this.used + len));
      b.set(this.bytes.subarray(0, this.used));
      this.bytes = b;
    }
    const at = this.used;
    this.bytes.set(buf.subarray(aStart, aEnd), at);
    this.bytes[at + aEnd - aStart] = 32;
    this.bytes.set(buf.subarray(bStart, bEnd), at + aEnd - aStart + 1);
    this.used += len;
    this.starts[id] = at;
    this.lengths[id] = len;
    this.hashes[id] = hash(buf, aStart, aEnd, bStart, bEnd);
    if (this.count * 2 > this.slots.length) this.rehash();
    else this.place(id);
    return id;
  }

  private place(id: number): void {
    const mask = this.slots.length - 1;
    let s = this.hashes[id]! & mask;
    while (this.slots[s]! >= 0) s = (s + 1) & mask;
    this.slots[s] = id;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(-1);
    for (let id = 0; id < this.count; id++) this.place(id);
  }

  private equals(id: number, buf: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
    const b = this.bytes;
    let at = this.starts[id]!;
    for (let i = aStart; i < aEnd; i++) if (b[at++] !== buf[i]) return false;
    if (b[at++] !== 32) return false;
    for (let i = bStart; i < bEnd; i++) if (b[at++] !== buf[i]) return false;
    return true;
  }
}

function grown(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

/** FNV-1a over both ranges and the space between them. */
function hash(buf: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = aStart; i < aEnd; i++) h = Math.imul(h ^ buf[i]!, 16777619);
  h = Math.imul(h ^ 32, 16777619);
  for (let i = bStart; i < bEnd; i++) h = Math.imul(h ^ buf[i]!, 16777619);
  return h & 0x7fffffff;
}
