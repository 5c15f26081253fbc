/**
 * Several logs (one per node, one per day...) merged into one stream in time order. Each log is
 * taken in its own order; the merge only holds one pending flow per log, so memory stays constant.
 * Flows without a time come as soon as they are read.
 */
import type { FlowRecord } from './record.js';

export async function* mergeByTime<F extends FlowRecord>(sources: readonly AsyncIterator<F>[]): AsyncGenerator<F> {
  const heads: (F | undefined)[] = await Promise.all(sources.map(async (s) => next(s)));
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h === undefined) continue;
      if (best < 0 || (h.time ?? -Infinity) < (heads[best]!.time ?? -Infinity)) best = i;
    }
    if (best < 0) return;
    yield heads[best]!;
    heads[best] = await next(sources[best]!);
  }
}

async function next<F>(s: AsyncIterator<F>): Promise<F | undefined> {
  const r = await s.next();
  return r.done ? undefined : r.value;
}
