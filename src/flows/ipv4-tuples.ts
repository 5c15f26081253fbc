/**
 * Agent connections in their plain spelling (agent-scan.ts: IPv4 source and destination, and port,
 * protocol, verdict and direction packed in one number), each mapped to a number the caller chooses.
 * The counting pass looks up every such line here: three integers hashed and compared, instead of
 * the field bytes (raw-tuples.ts, which keeps the lines of other spellings). Open addressing over
 * typed arrays: no object and no string per line or per connection.
 */
export const ABSENT = -0x80000000;

export class Ipv4Tuples {
  /**
   * Open addressing with each entry in its slot (source, destination, meta + 1, value; meta + 1 = 0:
   * free): a lookup reads one place in memory, where a table of entry numbers read three.
   */
  private table: Int32Array = new Int32Array(4 * 4096);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The value set for this connection (`meta` in [0, 2^31 - 1)), or ABSENT. */
  get(src: number, dst: number, meta: number): number {
    const s32 = src | 0;
    const d32 = dst | 0;
    const m1 = meta + 1;
    const t = this.table;
    const mask = (t.length >> 2) - 1;
    for (let s = hash(s32, d32, meta) & mask; ; s = (s + 1) & mask) {
      const at = s << 2;
      const m = t[at + 2]!;
      if (m === 0) return ABSENT;
      if (m === m1 && t[at] === s32 && t[at + 1] === d32) return t[at + 3]!;
    }
  }

  /** Sets the value of a connection get() answered ABSENT for. */
  add(src: number, dst: number, meta: number, value: number): void {
    // at most a quarter full: probes stay short
    if (++this.count * 4 > this.table.length >> 2) {
      const old = this.table;
      this.table = new Int32Array(old.length * 2);
      for (let at = 0; at < old.length; at += 4) if (old[at + 2] !== 0) this.place(old[at]!, old[at + 1]!, old[at + 2]! - 1, old[at + 3]!);
    }
    this.place(src | 0, dst | 0, meta, value);
  }

  private place(src: number, dst: number, meta: number, value: number): void {
    const t = this.table;
    const mask = (t.length >> 2) - 1;
    let s = hash(src, dst, meta) & mask;
    while (t[(s << 2) + 2] !== 0) s = (s + 1) & mask;
    const at = s << 2;
    t[at] = src;
    t[at + 1] = dst;
    t[at + 2] = meta + 1;
    t[at + 3] = value;
  }
}

/** A multiplicative mix of the three numbers (addresses of one subnet differ only in their low bits). */
function hash(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca77) ^ Math.imul(c, 0xc2b2ae3d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 13)) & 0x7fffffff;
}
