/**
 * Agent connections in their plain spelling (agent-scan.ts: IPv4 source and destination, and port,
 * protocol, verdict and direction packed in one number), each mapped to a number the caller chooses.
 * The counting pass looks up every such line here: three integers hashed and compared, instead of
 * the field bytes (raw-tuples.ts, which keeps the lines of other spellings). Open addressing over
 * typed arrays: no object and no string per line or per connection.
 */
export const ABSENT = -0x80000000;

export class Ipv4Tuples {
  /** Per entry: source, destination, meta. */
  private keys: Int32Array = new Int32Array(3 * 1024);
  private values: Int32Array = new Int32Array(1024);
  /** Entry number + 1 per slot (0: free). */
  private slots: Int32Array = new Int32Array(4096);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The value set for this connection, or ABSENT. */
  get(src: number, dst: number, meta: number): number {
    const s32 = src | 0;
    const d32 = dst | 0;
    const keys = this.keys;
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let s = hash(s32, d32, meta) & mask; ; s = (s + 1) & mask) {
      const e = slots[s]! - 1;
      if (e < 0) return ABSENT;
      const at = e * 3;
      if (keys[at] === s32 && keys[at + 1] === d32 && keys[at + 2] === meta) return this.values[e]!;
    }
  }

  /** Sets the value of a connection get() answered ABSENT for. */
  add(src: number, dst: number, meta: number, value: number): void {
    const e = this.count++;
    if (e * 3 >= this.keys.length) {
      const keys = new Int32Array(this.keys.length * 2);
      keys.set(this.keys);
      this.keys = keys;
      const values = new Int32Array(this.values.length * 2);
      values.set(this.values);
      this.values = values;
    }
    this.keys[e * 3] = src | 0;
    this.keys[e * 3 + 1] = dst | 0;
    this.keys[e * 3 + 2] = meta;
    this.values[e] = value;
    // at most a quarter full: probes stay short
    if (this.count * 4 > this.slots.length) {
      this.slots = new Int32Array(this.slots.length * 2);
      for (let i = 0; i < this.count; i++) this.place(i);
    } else this.place(e);
  }

  private place(e: number): void {
    const slots = this.slots;
    const mask = slots.length - 1;
    let s = hash(this.keys[e * 3]!, this.keys[e * 3 + 1]!, this.keys[e * 3 + 2]!) & mask;
    while (slots[s] !== 0) s = (s + 1) & mask;
    slots[s] = e + 1;
  }
}

/** A multiplicative mix of the three numbers (addresses of one subnet differ only in their low bits). */
function hash(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca77) ^ Math.imul(c, 0xc2b2ae3d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 13)) & 0x7fffffff;
}
