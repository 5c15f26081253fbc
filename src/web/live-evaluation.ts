/**
 * Where a watched cluster's new state is evaluated on every change: its allowed connections (live.ts
 * `connections`, a whole matrix: seconds on a large cluster, more under eks), what opened and closed since the
 * state before, and its audit (the EKS checks build the agent's maps of every pod). In a worker thread of its own
 * (LiveThread), so that the server answers the page, the summary and the event stream meanwhile; or, with
 * PODWALL_SERVE_THREADS=0, in the server's thread (LiveInline), as the heavy views then are. Either way the
 * answers are the same functions' (live-state.ts LiveState) on the same objects, and states are evaluated in
 * the order given.
 */
import { Worker } from 'node:worker_threads';
import type { SourceObject } from '../model/build.js';
import type { Cluster } from '../model/cluster.js';
import { LiveState, type Change, type LiveSetup } from './live-state.js';
import type { LiveAnswer, LiveQuestion } from './live-worker.js';

export interface LiveEvaluation {
  /** The first state (built from the watched `liveObjects` and the files; `cluster` is the server's build of it). */
  first(liveObjects: SourceObject[], cluster: Cluster): Promise<void>;
  /** A new state: its change from the last one evaluated. */
  next(liveObjects: SourceObject[], cluster: Cluster): Promise<Change>;
  close(): Promise<void>;
}

export class LiveInline implements LiveEvaluation {
  private readonly state: LiveState;

  constructor(setup: LiveSetup) {
    this.state = new LiveState(setup);
  }

  async first(_liveObjects: SourceObject[], cluster: Cluster): Promise<void> {
    this.state.first(cluster);
  }

  async next(_liveObjects: SourceObject[], cluster: Cluster): Promise<Change> {
    return this.state.next(cluster);
  }

  async close(): Promise<void> {}
}

interface Waiting {
  resolve(a: Change | undefined): void;
  reject(e: Error): void;
}

export class LiveThread implements LiveEvaluation {
  private worker?: Worker;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private closed = false;
  /** The watched objects of the last state evaluated: a worker started again is given it first, to compare with. */
  private last?: SourceObject[];

  constructor(
    private readonly setup: LiveSetup,
    private readonly heapMb?: number,
  ) {}

  async first(liveObjects: SourceObject[]): Promise<void> {
    await this.ask(liveObjects, true);
    this.last = liveObjects;
  }

  async next(liveObjects: SourceObject[]): Promise<Change> {
    const change = (await this.ask(liveObjects, false))!;
    this.last = liveObjects;
    return change;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.fail('the server is stopping');
    await this.worker?.terminate();
  }

  private ask(liveObjects: SourceObject[], first: boolean): Promise<Change | undefined> {
    if (this.closed) return Promise.reject(new Error('the server is stopping'));
    const id = this.nextId++;
    const question: LiveQuestion = { id, liveObjects, first };
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      // a worker handles its messages in order: states are evaluated in the order given
      this.thread().postMessage(question);
    });
  }

  /** The worker, started at the first question and again after one stopped (out of memory, a bug). */
  private thread(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./live-worker.js', import.meta.url), {
      workerData: this.setup,
      ...(this.heapMb ? { resourceLimits: { maxOldGenerationSizeMb: this.heapMb } } : {}),
      stdout: false,
      stderr: false,
    });
    // the server's listener and signals keep the process alive, never this worker
    w.unref();
    let cause: string | undefined;
    w.on('message', (a: LiveAnswer) => {
      const waiting = this.waiting.get(a.id);
      if (!waiting) return;
      this.waiting.delete(a.id);
      if ('error' in a) waiting.reject(new Error(a.error));
      else waiting.resolve(a.change);
    });
    w.on('error', (e) => (cause = e.message));
    w.on('exit', (code) => {
      if (this.worker === w) this.worker = undefined;
      if (!this.closed) this.fail(`the re-evaluation's worker thread stopped (${cause ?? `it exited with code ${code}`}); a new one starts with the next change`);
    });
    this.worker = w;
    // a new worker after one stopped: the last state evaluated first, so that the next change is from it
    if (this.last) w.postMessage({ id: 0, liveObjects: this.last, first: true } satisfies LiveQuestion);
    return w;
  }

  private fail(message: string): void {
    for (const w of this.waiting.values()) w.reject(new Error(message));
    this.waiting.clear();
  }
}
