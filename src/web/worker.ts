/**
 * A dashboard worker thread: loads the served model from the same inputs as the server
 * (worker-inputs.ts) and answers the heavy views (graph, denied, diff) as bytes, so that the server's
 * own thread stays free for the summary, static files and live events while one computes. Messages
 * are handled in order: a `load` (a watched cluster changed) applies to every question after it.
 * A failure is answered, never thrown: the server turns it into a 500 and one line of its log.
 *
 * While it computes, the worker posts how far it has got (progress.ts) at most every PROGRESS_MS, and reads
 * between two units of work whether the server gave the question up (a shared cell holds the id of the question
 * nobody waits for any more): then it stops there and says so (`superseded`). The warm-up is never given up: it
 * is the first graph of every page.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { answerBytes } from './answer.js';
import type { DashboardApi } from './api.js';
import { questionKey, Superseded, type Progress, type ProgressSink } from './progress.js';
import { loadApi, type WorkerInputs } from './worker-inputs.js';

/** What the server gives a worker as it starts: `cancel` holds the id of the question given up (0: none). */
export interface WorkerData {
  cancel: SharedArrayBuffer;
}

/** The least time between two progress messages of one phase (a page polls about twice a second). */
export const PROGRESS_MS = 250;
/** The warm-up's id in progress messages: no question of the server has it. */
export const WARM_UP_ID = 0;

export type ToWorker = { type: 'load'; generation: number; inputs: WorkerInputs } | { type: 'ask'; id: number; method: string; url: string };

export type FromWorker =
  | { type: 'loaded'; generation: number; fingerprint: string }
  | { type: 'load-failed'; generation: number; message: string }
  | { type: 'answer'; id: number; status: number; body: Uint8Array; cacheable: boolean }
  | { type: 'failed'; id: number; message: string }
  | { type: 'progress'; id: number; progress: Progress }
  | { type: 'warming'; question: string }
  | { type: 'warmed' }
  | { type: 'superseded'; id: number };

const port = parentPort;
if (port) {
  let api: DashboardApi | undefined;
  let loadError = 'the model is not loaded yet';
  const send = (m: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
  const cancel = new Int32Array((workerData as WorkerData | undefined)?.cancel ?? new SharedArrayBuffer(4));
  const givenUp = (id: number): boolean => id !== WARM_UP_ID && Atomics.load(cancel, 0) === id;
  /** Reports of question `id`, at a modest rate: a new phase, the last unit, or PROGRESS_MS after the one before. */
  const sinkFor = (id: number): ProgressSink => {
    let last = 0;
    let phase = '';
    return (p) => {
      if (givenUp(id)) throw new Superseded();
      const now = Date.now();
      if (p.phase === phase && p.done < p.total && now - last < PROGRESS_MS) return;
      last = now;
      phase = p.phase;
      send({ type: 'progress', id, progress: p });
    };
  };
  port.on('message', (m: ToWorker) => {
    if (m.type === 'load') {
      try {
        const loaded = loadApi(m.inputs);
        api = loaded.api;
        send({ type: 'loaded', generation: m.generation, fingerprint: loaded.fingerprint });
      } catch (e) {
        api = undefined;
        loadError = `the worker could not load the inputs: ${(e as Error).message}`;
        send({ type: 'load-failed', generation: m.generation, message: loadError });
        return;
      }
      // then the first graph the page asks for, before any question (messages are handled in order), while the
      // server already listens: under eks a large cluster's folded graph takes minutes (README, dashboard)
      send({ type: 'warming', question: questionKey(new URL('http://localhost/api/graph')) });
      try {
        api.warm(sinkFor(WARM_UP_ID));
      } catch {
        // the question itself, when asked, answers with the failure (a 500 and a line in the server's log)
      }
      send({ type: 'warmed' });
      return;
    }
    try {
      if (!api) throw new Error(loadError);
      // given up while it waited in this thread's queue
      if (givenUp(m.id)) throw new Superseded();
      const a = answerBytes(api.handle(m.method, new URL(m.url), sinkFor(m.id)));
      // a copy into a buffer of its own, so that it can be handed over rather than copied again
      const bytes = new Uint8Array(a.body.length);
      bytes.set(a.body);
      send({ type: 'answer', id: m.id, status: a.status, body: bytes, cacheable: a.cacheable }, [bytes.buffer]);
    } catch (e) {
      if (e instanceof Superseded) send({ type: 'superseded', id: m.id });
      else send({ type: 'failed', id: m.id, message: (e as Error)?.message ?? String(e) });
    }
  });
}
