/**
 * The worker thread of a watched cluster's re-evaluation (live-evaluation.ts): given the watched objects of a
 * new state, it builds the model (with the `-f` files it read once at its start, lines kept, as the server read
 * them once), computes its allowed connections (live.ts `connections`: a whole matrix), what opened and closed
 * since the state before (which it keeps), and the state's audit, so that none of it is computed in the
 * server's thread. One message at a time, in order. A failure is answered, never thrown: the server logs it and
 * keeps its last state (and so does this thread).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { buildCluster, type SourceObject } from '../model/build.js';
import { LiveState, type Change, type LiveSetup } from './live-state.js';
import { readAgain } from './worker-inputs.js';

/** `first`: the state later ones are compared with (nothing is answered but that it is done). */
export interface LiveQuestion {
  id: number;
  liveObjects: SourceObject[];
  first: boolean;
}

export type LiveAnswer = { id: number; change?: Change } | { id: number; error: string };

const port = parentPort;
if (port) {
  const setup = workerData as LiveSetup;
  const state = new LiveState(setup);
  let files: SourceObject[] | undefined;
  port.on('message', (q: LiveQuestion) => {
    let a: LiveAnswer;
    try {
      files ??= readAgain(setup.files, setup.stdin);
      const cluster = buildCluster([...q.liveObjects, ...files], setup.options);
      if (q.first) {
        state.first(cluster);
        a = { id: q.id };
      } else a = { id: q.id, change: state.next(cluster) };
    } catch (e) {
      a = { id: q.id, error: (e as Error)?.message ?? String(e) };
    }
    port.postMessage(a);
  });
}
