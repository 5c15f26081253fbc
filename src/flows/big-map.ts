/**
 * A string-keyed map whose size grows with the input (pairs seen in flow logs, addresses outside the
 * cluster): its entries are spread over many Maps by a hash of the key, so no input reaches one Map's
 * limit (2^24 entries) before memory runs out. Iteration order is not insertion order: callers that
 * report in the order things were met keep that order in an array.
 */

const SHARDS = 256;

function shardOf(key: string): number {
  // FNV-1a over the whole key: pair keys differ only in their middle or their end
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) & (SHARDS - 1);
}

export class BigMap<V> {
  private readonly shards: (Map<string, V> | undefined)[] = new Array(SHARDS);
  private count = 0;

  get(key: string): V | undefined {
    return this.shards[shardOf(key)]?.get(key);
  }

  has(key: string): boolean {
    return this.shards[shardOf(key)]?.has(key) ?? false;
  }

  set(key: string, value: V): void {
    const i = shardOf(key);
    let m = this.shards[i];
    if (!m) this.shards[i] = m = new Map();
    const before = m.size;
    m.set(key, value);
    this.count += m.size - before;
  }

  get size(): number {
    return this.count;
  }

  *values(): Generator<V> {
    for (const m of this.shards) if (m) yield* m.values();
  }
}
