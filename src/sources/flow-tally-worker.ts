/** A worker thread of tallyFiles: reads the parts it is sent into tallies and sends them back. */
import { parentPort } from 'node:worker_threads';
import { InputError } from '../k8s/errors.js';
import { FlowTally, type TallyWindow } from '../flows/tally.js';
import { tallyPart, type Ordering, type TallyPart } from './flow-tally.js';

interface Job {
  id: number;
  part: TallyPart;
  window: TallyWindow;
  ordering: Ordering;
  chunk: number;
  keep?: number;
  /** Send the part's connections in the plain spelling ahead, as they are met (TallyOptions.onConnections). */
  ahead?: boolean;
}

/** Chunks read between two sendings of new connections. */
const AHEAD_EVERY = 4;

parentPort!.on('message', (job: Job) => {
  let sent = 0;
  let chunks = 0;
  const ahead = (tally: FlowTally): void => {
    if (++chunks % AHEAD_EVERY !== 0 || tally.numbered === sent) return;
    const connections = tally.plainSince(sent);
    sent = tally.numbered;
    if (connections.length) parentPort!.postMessage({ id: job.id, connections }, [connections.buffer as ArrayBuffer]);
  };
  tallyPart(job.part, job.window, job.ordering, job.chunk, job.keep, job.ahead ? ahead : undefined).then(
    (r) => {
      const tally = r.tally.toData();
      // the typed arrays move to the reading thread rather than being copied
      parentPort!.postMessage({ id: job.id, result: { ...r, tally } }, FlowTally.transferables(tally));
    },
    (e: unknown) => parentPort!.postMessage({ id: job.id, error: e instanceof InputError ? { message: e.message, location: e.diagnostic } : { message: String((e as Error)?.message ?? e) } }),
  );
});
