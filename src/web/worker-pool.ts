/**
 * Where the dashboard's heavy answers (graph, denied, diff: seconds each on thousands of workloads)
 * are computed: in worker threads (WorkerAnswers), each holding the served model loaded from the same
 * inputs, one question per worker at a time, the rest in order; or, without workers, in the server's
 * own thread one at a time (InlineAnswers, which makes every other request wait). Either way a
 * question gets an answer, never a rejection: a failure is a 500 with one line in the server's log.
 * A worker that dies (out of memory, a bug) is replaced when the next question comes, not in a loop.
 */
import { Worker } from 'node:worker_threads';
import { answerBytes, internalError, type Answer } from './answer.js';
import type { ApiHandler } from './server.js';
import type { FromWorker, ToWorker } from './worker.js';
import type { WorkerInputs } from './worker-inputs.js';

export interface HeavyAnswers {
  ask(method: string, url: URL): Promise<Answer>;
  /** Stops computing (a busy worker is stopped where it is); questions still waiting get a 503. */
  close(): Promise<void>;
}

const what = (url: URL): string => `${url.pathname}${url.search}`;

/** In the server's thread, one question at a time, a turn of the event loop between them. */
export class InlineAnswers implements HeavyAnswers {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly api: ApiHandler,
    private readonly log: (line: string) => void,
  ) {}

  ask(method: string, url: URL): Promise<Answer> {
    const next = this.chain.then(() => new Promise<Answer>((resolve) => setImmediate(() => resolve(this.compute(method, url)))));
    this.chain = next;
    return next;
  }

  private compute(method: string, url: URL): Answer {
    try {
      return answerBytes(this.api.handle(method, url));
    } catch (e) {
      this.log(`podwall: request ${what(url)} failed: ${(e as Error)?.message ?? String(e)}`);
      return internalError();
    }
  }

  async close(): Promise<void> {}
}

interface Job {
  id: number;
  method: string;
  url: URL;
  resolve(a: Answer): void;
}

interface Slot {
  worker: Worker;
  busy?: Job;
  /** Why the worker stopped, from its `error` event, for the line logged when it exits. */
  cause?: string;
  dead: boolean;
  /** The last generation of inputs it said it loaded (or failed to). */
  reported: number;
}

export interface WorkerOptions {
  /** Worker threads (each loads the model once). */
  threads: number;
  /** A worker's heap limit in MiB (its own, apart from the server's): beyond, it stops and is replaced. */
  heapMb?: number;
  /** Told once per load of the inputs: the fingerprint each worker loaded, or why it could not. */
  loaded?: (r: { ok: true; fingerprint: string } | { ok: false; message: string }) => void;
}

export class WorkerAnswers implements HeavyAnswers {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private generation = 0;
  private nextId = 1;
  private closed = false;
  private readonly waitingForLoad = new Map<number, { left: number; done: () => void }>();

  constructor(
    private inputs: WorkerInputs,
    private readonly log: (line: string) => void,
    private readonly options: WorkerOptions = { threads: 1 },
  ) {
    const threads = Math.max(1, options.threads);
    this.waitingForLoad.set(0, { left: threads, done: () => undefined });
    for (let i = 0; i < threads; i++) this.slots.push(this.start());
  }

  /** Resolves when every worker has loaded the current inputs (or failed to). */
  ready(): Promise<void> {
    const w = this.waitingForLoad.get(this.generation);
    if (!w || w.left <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => (w.done = chain(w.done, resolve)));
  }

  /** New inputs (a watched cluster changed): every question asked after this is answered from them. */
  load(inputs: WorkerInputs): Promise<void> {
    this.inputs = inputs;
    this.generation++;
    this.waitingForLoad.set(this.generation, { left: this.slots.filter((s) => !s.dead).length, done: () => undefined });
    for (const s of this.slots) if (!s.dead) this.post(s, { type: 'load', generation: this.generation, inputs });
    return this.ready();
  }

  ask(method: string, url: URL): Promise<Answer> {
    if (this.closed) return Promise.resolve(stopping());
    return new Promise<Answer>((resolve) => {
      this.queue.push({ id: this.nextId++, method, url, resolve });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.queue.splice(0)) j.resolve(stopping());
    // whoever waits for a load waits no more: nothing will load
    for (const w of this.waitingForLoad.values()) w.done();
    this.waitingForLoad.clear();
    await Promise.all(
      this.slots.map((s) => {
        s.busy?.resolve(stopping());
        s.busy = undefined;
        return s.worker.terminate();
      }),
    );
  }

  private start(): Slot {
    const worker = new Worker(new URL('./worker.js', import.meta.url), {
      ...(this.options.heapMb ? { resourceLimits: { maxOldGenerationSizeMb: this.options.heapMb } } : {}),
      stdout: false,
      stderr: false,
    });
    // the server's listener and signals keep the process alive, never a worker
    worker.unref();
    const slot: Slot = { worker, dead: false, reported: -1 };
    worker.on('message', (m: FromWorker) => this.received(slot, m));
    worker.on('error', (e) => (slot.cause = `${(e as NodeJS.ErrnoException).code ? `${(e as NodeJS.ErrnoException).code}: ` : ''}${e.message}`));
    worker.on('exit', (code) => this.exited(slot, code));
    this.post(slot, { type: 'load', generation: this.generation, inputs: this.inputs });
    return slot;
  }

  private post(slot: Slot, m: ToWorker): void {
    slot.worker.postMessage(m);
  }

  private received(slot: Slot, m: FromWorker): void {
    switch (m.type) {
      case 'loaded':
      case 'load-failed': {
        const w = this.waitingForLoad.get(m.generation);
        slot.reported = m.generation;
        if (m.generation === this.generation) this.options.loaded?.(m.type === 'loaded' ? { ok: true, fingerprint: m.fingerprint } : { ok: false, message: m.message });
        if (w && --w.left <= 0) {
          this.waitingForLoad.delete(m.generation);
          w.done();
        }
        return;
      }
      case 'answer':
      case 'failed': {
        const job = slot.busy;
        if (!job || job.id !== m.id) return;
        slot.busy = undefined;
        if (m.type === 'answer') job.resolve({ status: m.status, body: Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength), cacheable: m.cacheable });
        else {
          this.log(`podwall: request ${what(job.url)} failed: ${m.message}`);
          job.resolve(internalError());
        }
        this.dispatch();
      }
    }
  }

  private exited(slot: Slot, code: number): void {
    slot.dead = true;
    if (this.closed) return;
    const cause = slot.cause ?? `it exited with code ${code}`;
    const job = slot.busy;
    slot.busy = undefined;
    if (job) {
      this.log(`podwall: request ${what(job.url)} failed: the dashboard's worker thread stopped (${cause}); a new one starts with the next question`);
      job.resolve(internalError());
    } else this.log(`podwall: the dashboard's worker thread stopped (${cause}); a new one starts with the next question`);
    // a worker that died while loading counts as loaded (badly): nobody waits for it for ever
    const w = slot.reported === this.generation ? undefined : this.waitingForLoad.get(this.generation);
    if (w && --w.left <= 0) {
      this.waitingForLoad.delete(this.generation);
      w.done();
    }
    this.dispatch();
  }

  private dispatch(): void {
    if (this.closed) return;
    for (let i = 0; i < this.slots.length && this.queue.length; i++) {
      let slot = this.slots[i]!;
      if (slot.busy) continue;
      // replaced only when a question waits, so that a worker that cannot load does not restart in a loop
      if (slot.dead) this.slots[i] = slot = this.start();
      const job = this.queue.shift()!;
      slot.busy = job;
      this.post(slot, { type: 'ask', id: job.id, method: job.method, url: job.url.href });
    }
  }
}

function chain(a: () => void, b: () => void): () => void {
  return () => {
    a();
    b();
  };
}

function stopping(): Answer {
  return { status: 503, body: Buffer.from(JSON.stringify({ error: 'the server is stopping' })), cacheable: false };
}
