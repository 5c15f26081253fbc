/**
 * A worker thread of tallyFiles: claims parts (flow-tally.ts, onWorkers) one after the other, reads
 * them into tallies and sends them back. A part that follows the one just read in its file, and is
 * still unclaimed, is read on into the same tally: one worker that reads a whole file sends one tally.
 */
import { parentPort } from 'node:worker_threads';
import { InputError } from '../k8s/errors.js';
import { FlowTally, type TallyWindow } from '../flows/tally.js';
import { tallyPart, type Ordering, type TallyPart } from './flow-tally.js';

interface WorkerJob {
  parts: TallyPart[];
  /** One cell shared by every worker: the number of the next part nobody has claimed. */
  claims: Int32Array;
  window: TallyWindow;
  ordering: Ordering;
  chunk: number;
  keep?: number;
  /** Send each part's connections in the plain spelling ahead, as they are met (TallyOptions.onConnections). */
  ahead?: boolean;
}

/** Chunks read between two sendings of new connections. */
const AHEAD_EVERY = 4;

parentPort!.once('message', (job: WorkerJob) => {
  void work(job).then(() => parentPort!.postMessage({ done: true }));
});

async function work(job: WorkerJob): Promise<void> {
  const { parts, claims } = job;
  for (;;) {
    const id = Atomics.add(claims, 0, 1);
    if (id >= parts.length) return;
    let last = id;
    const extend = (): number | undefined => {
      const at = parts[last]!;
      const next = parts[last + 1];
      if (!next?.range || !at.range || next.file !== at.file || next.range.start !== at.range.end) return undefined;
      // only while no other worker has claimed it
      if (Atomics.compareExchange(claims, 0, last + 1, last + 2) !== last + 1) return undefined;
      last++;
      return next.range.end;
    };
    let sent = 0;
    let chunks = 0;
    const ahead = (tally: FlowTally): void => {
      if (++chunks % AHEAD_EVERY !== 0 || tally.numbered === sent) return;
      const connections = tally.plainSince(sent);
      sent = tally.numbered;
      if (connections.length) parentPort!.postMessage({ id, connections }, [connections.buffer as ArrayBuffer]);
    };
    try {
      const r = await tallyPart(parts[id]!, job.window, job.ordering, job.chunk, job.keep, job.ahead ? ahead : undefined, extend);
      const tally = r.tally.toData();
      // the typed arrays move to the reading thread rather than being copied
      parentPort!.postMessage({ id, last, result: { ...r, tally } }, FlowTally.transferables(tally));
    } catch (e) {
      parentPort!.postMessage({ id, error: e instanceof InputError ? { message: e.message, location: e.diagnostic } : { message: String((e as Error)?.message ?? e) } });
      return;
    }
  }
}
