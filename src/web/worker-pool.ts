/**
 * Where the dashboard's heavy answers (graph, denied, diff: seconds each on thousands of workloads)
 * are computed: in worker threads (WorkerAnswers), each holding the served model loaded from the same
 * inputs, one question per worker at a time, the rest in order; or, without workers, in the server's
 * own thread one at a time (InlineAnswers, which makes every other request wait). Either way a
 * question gets an answer, never a rejection: a failure is a 500 with one line in the server's log.
 * A worker that dies (out of memory, a bug) is replaced when the next question comes, not in a loop.
 *
 * Both say how far a question has got (progress.ts): computing (with the worker's figures), or waiting behind
 * which others. A question nobody waits for any more is given up: dropped from the queue, or stopped in its
 * worker at its next report (the server's own thread cannot be interrupted: there it runs to its end).
 */
import { Worker } from 'node:worker_threads';
import { answerBytes, internalError, type Answer } from './answer.js';
import type { ApiHandler } from './api-response.js';
import { questionKey, type Progress, type QuestionProgress } from './progress.js';
import type { FromWorker, ToWorker, WorkerData } from './worker.js';
import type { WorkerInputs } from './worker-inputs.js';

export interface HeavyAnswers {
  /** `givenUp`: aborted when nobody waits for this answer any more (it is then dropped or stopped where it can be). */
  ask(method: string, url: URL, givenUp?: AbortSignal): Promise<Answer>;
  /** Stops computing (a busy worker is stopped where it is); questions still waiting get a 503. */
  close(): Promise<void>;
  /** How far a question has got, when it is being computed or waits; undefined: neither. */
  progress?(url: URL): QuestionProgress | undefined;
}

const seconds = (since: number, now = Date.now()): number => Math.round((now - since) / 100) / 10;

/** The answer of a question given up: nobody reads it, and it is never kept. */
function superseded(): Answer {
  return { status: 503, body: Buffer.from(JSON.stringify({ error: 'superseded: nobody waited for this answer any more' })), cacheable: false };
}

const what = (url: URL): string => `${url.pathname}${url.search}`;

/** In the server's thread, one question at a time, a turn of the event loop between them. */
export class InlineAnswers implements HeavyAnswers {
  private chain: Promise<unknown> = Promise.resolve();
  /** The questions asked and not answered, in order (the first is computed; this thread answers nothing meanwhile). */
  private readonly pending: { key: string; since: number; dropped: boolean }[] = [];

  constructor(
    private readonly api: ApiHandler,
    private readonly log: (line: string) => void,
  ) {}

  /** Only a question still waiting can be given up: the one computing holds this thread until it ends. */
  ask(method: string, url: URL, givenUp?: AbortSignal): Promise<Answer> {
    const mine = { key: questionKey(url), since: Date.now(), dropped: false };
    this.pending.push(mine);
    givenUp?.addEventListener('abort', () => (mine.dropped = true), { once: true });
    const next = this.chain.then(
      () =>
        new Promise<Answer>((resolve) =>
          setImmediate(() => {
            const a = mine.dropped ? superseded() : this.compute(method, url);
            this.pending.splice(this.pending.indexOf(mine), 1);
            resolve(a);
          }),
        ),
    );
    this.chain = next;
    return next;
  }

  progress(url: URL): QuestionProgress | undefined {
    const key = questionKey(url);
    const at = this.pending.findIndex((p) => p.key === key && !p.dropped);
    if (at < 0) return undefined;
    const p = this.pending[at]!;
    if (at === 0) return { state: 'computing', question: key, seconds: seconds(p.since) };
    return { state: 'waiting', question: key, seconds: seconds(p.since), behind: this.pending.slice(0, at).filter((x) => !x.dropped).map((x) => ({ question: x.key })) };
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
  /** The question as the server keys it (progress.ts). */
  key: string;
  /** When it was asked. */
  since: number;
  /** The worker's latest report. */
  progress?: Progress;
  resolve(a: Answer): void;
}

interface Slot {
  worker: Worker;
  busy?: Job;
  /** The id of the question given up, read by the worker between two units of work. */
  cancel: Int32Array;
  /** The first graph, computed as the worker loads (worker.ts): a question sent meanwhile waits behind it. */
  warming?: { key: string; since: number; progress?: Progress };
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

  ask(method: string, url: URL, givenUp?: AbortSignal): Promise<Answer> {
    if (this.closed) return Promise.resolve(stopping());
    return new Promise<Answer>((resolve) => {
      const job: Job = { id: this.nextId++, method, url, key: questionKey(url), since: Date.now(), resolve };
      this.queue.push(job);
      givenUp?.addEventListener('abort', () => this.giveUp(job), { once: true });
      this.dispatch();
    });
  }

  progress(url: URL): QuestionProgress | undefined {
    const key = questionKey(url);
    const now = Date.now();
    const live = this.slots.filter((s) => !s.dead);
    /** What a worker computes now: its warm-up, else its question. */
    const running = (s: Slot): { question: string; progress?: Progress } | undefined =>
      s.warming ? { question: s.warming.key, ...(s.warming.progress ? { progress: s.warming.progress } : {}) } : s.busy ? { question: s.busy.key, ...(s.busy.progress ? { progress: s.busy.progress } : {}) } : undefined;
    for (const s of live) {
      const r = running(s);
      // the warm-up computes this very question: the answer comes from it
      if (r?.question === key) return { state: 'computing', question: key, seconds: seconds(s.warming?.since ?? s.busy!.since, now), ...(r.progress ? { progress: r.progress } : {}) };
    }
    for (const s of live) {
      // sent to a worker still warming up: it waits behind the warm-up
      if (s.busy?.key === key) return { state: 'waiting', question: key, seconds: seconds(s.busy.since, now), behind: [running(s)!] };
    }
    const at = this.queue.findIndex((j) => j.key === key);
    if (at < 0) return undefined;
    const ahead = [...live.map(running).filter((r) => r !== undefined), ...this.queue.slice(0, at).map((j) => ({ question: j.key }))];
    return { state: 'waiting', question: key, seconds: seconds(this.queue[at]!.since, now), behind: ahead };
  }

  /** Nobody waits for `job`: dropped from the queue, or stopped by its worker at its next report (or before it starts). */
  private giveUp(job: Job): void {
    const at = this.queue.indexOf(job);
    if (at >= 0) {
      this.queue.splice(at, 1);
      job.resolve(superseded());
      return;
    }
    for (const s of this.slots) if (s.busy === job && !s.dead) Atomics.store(s.cancel, 0, job.id);
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
    const data: WorkerData = { cancel: new SharedArrayBuffer(4) };
    const worker = new Worker(new URL('./worker.js', import.meta.url), {
      workerData: data,
      ...(this.options.heapMb ? { resourceLimits: { maxOldGenerationSizeMb: this.options.heapMb } } : {}),
      stdout: false,
      stderr: false,
    });
    // the server's listener and signals keep the process alive, never a worker
    worker.unref();
    const slot: Slot = { worker, dead: false, reported: -1, cancel: new Int32Array(data.cancel) };
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
      case 'warming':
        slot.warming = { key: m.question, since: Date.now() };
        return;
      case 'warmed':
        slot.warming = undefined;
        return;
      case 'progress':
        if (m.id === 0 /* worker.ts WARM_UP_ID */ && slot.warming) slot.warming.progress = m.progress;
        else if (slot.busy?.id === m.id) slot.busy.progress = m.progress;
        return;
      case 'answer':
      case 'failed':
      case 'superseded': {
        const job = slot.busy;
        if (!job || job.id !== m.id) return;
        slot.busy = undefined;
        if (m.type === 'superseded') job.resolve(superseded());
        else if (m.type === 'answer') job.resolve({ status: m.status, body: Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength), cacheable: m.cacheable });
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
