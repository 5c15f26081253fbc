/**
 * A dashboard worker thread: loads the served model from the same inputs as the server
 * (worker-inputs.ts) and answers the heavy views (graph, denied, diff) as bytes, so that the server's
 * own thread stays free for the summary, static files and live events while one computes. Messages
 * are handled in order: a `load` (a watched cluster changed) applies to every question after it.
 * A failure is answered, never thrown: the server turns it into a 500 and one line of its log.
 */
import { parentPort } from 'node:worker_threads';
import { answerBytes } from './answer.js';
import type { DashboardApi } from './api.js';
import { loadApi, type WorkerInputs } from './worker-inputs.js';

export type ToWorker = { type: 'load'; generation: number; inputs: WorkerInputs } | { type: 'ask'; id: number; method: string; url: string };

export type FromWorker =
  | { type: 'loaded'; generation: number; fingerprint: string }
  | { type: 'load-failed'; generation: number; message: string }
  | { type: 'answer'; id: number; status: number; body: Uint8Array; cacheable: boolean }
  | { type: 'failed'; id: number; message: string };

const port = parentPort;
if (port) {
  let api: DashboardApi | undefined;
  let loadError = 'the model is not loaded yet';
  const send = (m: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
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
      try {
        api.warm();
      } catch {
        // the question itself, when asked, answers with the failure (a 500 and a line in the server's log)
      }
      return;
    }
    try {
      if (!api) throw new Error(loadError);
      const a = answerBytes(api.handle(m.method, new URL(m.url)));
      // a copy into a buffer of its own, so that it can be handed over rather than copied again
      const bytes = new Uint8Array(a.body.length);
      bytes.set(a.body);
      send({ type: 'answer', id: m.id, status: a.status, body: bytes, cacheable: a.cacheable }, [bytes.buffer]);
    } catch (e) {
      send({ type: 'failed', id: m.id, message: (e as Error)?.message ?? String(e) });
    }
  });
}
