/**
 * Where each parsed object and array starts, and where each of its keys (or items) is, kept beside
 * the plain values so that errors and explanations can name the exact line. Every reader records
 * here; lineOf reads.
 *
 * Recording a position for every object of a large dump costs more than parsing it, and almost none
 * is ever asked for. So the fast readers record eagerly only the top of each document (a List and
 * its items), and defer the rest per unit (a document, or an item of a List): the unit keeps a way
 * to find its positions again (its place in the source text), and the first question about
 * anything inside it settles the whole unit. Deferred units keep their file's text alive.
 */
const objectLines = new WeakMap<object, number>();
/** Per object a Map from key to line; per array the line of each item, by index. */
const keyLines = new WeakMap<object, Map<string, number> | number[]>();
/**
 * Units whose positions are not recorded yet, with what records them on the unit given: the unit as
 * parsed, or a reduced copy that took its place (carryPositions), so the record holds no value alive.
 */
const deferred = new WeakMap<object, (unit: object) => void>();

export function lineOf(value: unknown, key?: string | number): number | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  settlePositions(value);
  if (key !== undefined) {
    const keys = keyLines.get(value);
    const line = keys === undefined ? undefined : Array.isArray(keys) ? (typeof key === 'number' ? keys[key] : undefined) : keys.get(String(key));
    if (line !== undefined) return line;
  }
  return objectLines.get(value);
}

export function recordMap(value: object, line: number, keys: Map<string, number>): void {
  objectLines.set(value, line);
  keyLines.set(value, keys);
}

export function recordSeq(value: unknown[], line: number, items: number[]): void {
  objectLines.set(value, line);
  keyLines.set(value, items);
}

/** `value` is a unit: `record` records the positions of everything in it, when first needed. */
export function deferPositions(value: object, record: (unit: object) => void): void {
  deferred.set(value, record);
}

/** Records the positions of a deferred unit now; false when `value` is not one (or is settled). */
export function settlePositions(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const record = deferred.get(value);
  if (!record) return false;
  deferred.delete(value);
  record(value);
  return true;
}

/**
 * `to`, a reduced copy of `from` (the same keys or fewer, sharing what it keeps), takes `from`'s
 * positions: its deferred record when `from` is a unit not yet settled, else the positions recorded.
 * Positions of keys `to` lacks are not kept, and `from` may then be let go.
 */
export function carryPositions(from: object, to: object): void {
  const record = deferred.get(from);
  const line = objectLines.get(from);
  const keys = keyLines.get(from);
  if (record) {
    deferred.delete(from);
    deferred.set(to, record);
    if (line !== undefined) objectLines.set(to, line);
    if (keys !== undefined) keyLines.set(to, keys);
  } else copyPositions(to, from);
}

/** Gives `to` and everything in it the positions of `from`, a second reading of the same text. */
export function copyPositions(to: unknown, from: unknown): void {
  if (to === null || typeof to !== 'object' || from === null || typeof from !== 'object') return;
  deferred.delete(to);
  const line = objectLines.get(from);
  const keys = keyLines.get(from);
  if (line !== undefined) objectLines.set(to, line);
  if (keys !== undefined) keyLines.set(to, keys);
  if (Array.isArray(from)) from.forEach((v, i) => copyPositions((to as unknown[])[i], v));
  else for (const k of Object.keys(from)) copyPositions((to as Record<string, unknown>)[k], (from as Record<string, unknown>)[k]);
}
