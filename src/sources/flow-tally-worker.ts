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
}

parentPort!.on('message', (job: Job) => {
  tallyPart(job.part, job.window, job.ordering, job.chunk, job.keep).then(
    (r) => {
      const tally = r.tally.toData();
      // the typed arrays move to the reading thread rather than being copied
      parentPort!.postMessage({ id: job.id, result: { ...r, tally } }, FlowTally.transferables(tally));
    },
    (e: unknown) => parentPort!.postMessage({ id: job.id, error: e instanceof InputError ? { message: e.message, location: e.diagnostic } : { message: String((e as Error)?.message ?? e) } }),
  );
});
