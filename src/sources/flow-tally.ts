/**
 * Flow logs read into a FlowTally (src/flows/tally.ts) rather than a stream of flows: lines are split
 * and parsed a chunk at a time, with no promise per line. Every line counts as the streaming reader
 * (flow-files.ts) counts it: the same splitting, over-long lines, empty lines, format detection and
 * malformed lines. A plain file may be read in byte ranges that start after a newline (parts), each
 * with line numbers and times relative to its start; merging parts puts them back in place.
 */
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { InputError, type SourceLocation } from '../k8s/errors.js';
import { BYTES_FLOW, BYTES_SLOW, scanAgentBytes, type AgentBytes } from '../flows/agent-scan.js';
import { NativeAgentScanner, STRIDE } from '../flows/native-scan.js';
import { detectFormat, PARSERS } from '../flows/formats.js';
import { RawTuples } from '../flows/raw-tuples.js';
import type { FlowFormat, FlowRecord, LineResult } from '../flows/record.js';
import { FlowTally, type TallyData, type TallyWindow } from '../flows/tally.js';
import { cannotRead, isGzip, MAX_LINE_BYTES, type ReadStats } from './flow-files.js';
import { gunzipWithinBudget } from './gzip-budget.js';

/** How lines are ordered: merged by time across files (flows summary), or file after file (replay, advise). */
export type Ordering = 'time' | 'sequence';

export interface TallyPart {
  path: string;
  file: number;
  /** Byte range [start, end) of a plain file, starting after a newline; whole file when absent. */
  range?: { start: number; end: number };
  format?: FlowFormat;
}

export interface MalformedNote {
  line: number;
  reason: string;
  /** When the merged reading meets it: after the flow before it (its order and line), or before any flow (-Infinity, 0). */
  order: number;
  after: number;
}

export interface PartResult {
  part: TallyPart;
  tally: FlowTally;
  lines: number;
  flows: number;
  skipped: number;
  malformed: number;
  /** The first malformed lines of the part (line numbers relative to the part). */
  malformedNotes: MalformedNote[];
  /** The largest flow time of the part (-Infinity when none). */
  maxTime: number;
}

const HEAD_LINES = 20;

/** Lines of one part, one at a time, into its tally. */
class PartReader {
  private parse: ((line: string) => LineResult) | undefined;
  private head: (string | number)[] | undefined;
  private n = 0;
  private runMax = -Infinity;
  private lastFlowLine = 0;
  readonly result: PartResult;
  // line splitting, as splitLines does it
  private parts: Buffer[] = [];
  private held = 0;
  private discarding = 0;
  // agent lines read as bytes (docs/architecture.md, flow logs): each distinct run of connection
  // field bytes is read once by the string path, whose outcome it keeps: a connection number (>= 0),
  // -1 for a skip, or -2 - i for the malformed reason i
  private fast = false;
  private readonly scan: AgentBytes = { srcStart: 0, srcEnd: 0, restStart: 0, restEnd: 0, srcPort: 0, time: NaN, srcIp: 0, dstIp: 0, meta: -1 };
  // the same scanner in C when it was built (native-scan.ts): the same outcome, a fraction of the time
  private readonly native = NativeAgentScanner.create();
  // a line whose fields are in the plain spelling is a flow of the connection its numbers stand
  // for (src/flows/plain-connection.ts), which the tally finds or makes with no line parsed; any
  // other spelling is numbered by its bytes, the string path's outcome kept in `outcomes`
  private readonly raw = new RawTuples();
  private readonly outcomes: number[] = [];
  private readonly reasons: string[] = [];

  constructor(
    part: TallyPart,
    window: TallyWindow,
    private readonly ordering: Ordering,
    keep?: number,
  ) {
    this.parse = part.format ? PARSERS[part.format] : undefined;
    if (!part.format) this.head = [];
    this.fast = part.format === 'agent';
    this.result = { part, tally: new FlowTally(window, keep), lines: 0, flows: 0, skipped: 0, malformed: 0, malformedNotes: [], maxTime: -Infinity };
  }

  feed(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      // agent lines not held from the chunk before: split and scanned in C when it was built
      if (this.native && this.fast && !this.held && !this.discarding) start = this.nativeLines(chunk, start);
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      const end = nl;
      const s = start;
      start = nl + 1;
      if (this.discarding || this.held + (end - s) > MAX_LINE_BYTES) {
        this.line(this.discarding + this.held + (end - s));
        this.discarding = 0;
      } else if (this.held) {
        this.parts.push(chunk.subarray(s, end));
        this.joined(Buffer.concat(this.parts));
      } else {
        const e = end > s && chunk[end - 1] === 13 ? end - 1 : end;
        if (this.fast) this.bytes(chunk, s, e);
        else this.line(chunk.toString('utf8', s, e));
      }
      // (parts hold bytes only while held is not 0: no new array per line)
      if (this.held) {
        this.parts = [];
        this.held = 0;
      }
    }
    const rest = chunk.length - start;
    if (!rest) return;
    if (this.discarding || this.held + rest > MAX_LINE_BYTES) {
      this.discarding += this.held + rest;
      this.parts = [];
      this.held = 0;
    } else {
      this.parts.push(Buffer.from(chunk.subarray(start))); // the chunk buffer is reused
      this.held += rest;
    }
  }

  end(): PartResult {
    if (this.discarding) this.line(this.discarding);
    else if (this.held) this.joined(Buffer.concat(this.parts));
    if (this.head) this.detectAndReplay();
    return this.result;
  }

  /** A line held across chunks, whole. */
  private joined(b: Buffer): void {
    if (this.fast) this.bytes(b, 0, b.length && b[b.length - 1] === 13 ? b.length - 1 : b.length);
    else this.line(text(b));
  }

  /**
   * The agent lines of the chunk from `from` that end with a newline, split and scanned in C
   * (native-scan.ts) a batch at a time, each then counted as bytes() counts it; answers where the
   * line after them starts.
   */
  private nativeLines(chunk: Buffer, from: number): number {
    const native = this.native!;
    const r = native.records;
    let at = from;
    native.use(chunk);
    for (;;) {
      const n = native.lines(at, chunk.length);
      for (let k = 0, o = 0; k < n; k++, o += STRIDE) {
        const s = r[o]!;
        const end = r[o + 1]!;
        at = end + 1;
        if (end - s > MAX_LINE_BYTES) {
          this.line(end - s);
          continue;
        }
        const kind = r[o + 2]!;
        if (kind === BYTES_FLOW) native.fields(k, this.scan);
        this.scanned(kind, chunk, s, end > s && chunk[end - 1] === 13 ? end - 1 : end);
      }
      if (n < r.length / STRIDE) return at;
    }
  }

  /** An agent line in bytes [s, e) (no line end), as handle() would count its text. */
  private bytes(buf: Buffer, s: number, e: number): void {
    this.scanned(s === e ? BYTES_SLOW : scanAgentBytes(buf, s, e, this.scan), buf, s, e);
  }

  /** An agent line in bytes [s, e) that a scanner found to be of kind `k`, its fields in this.scan. */
  private scanned(k: number, buf: Buffer, s: number, e: number): void {
    const sc = this.scan;
    if (k === BYTES_SLOW) return this.handle(buf.toString('utf8', s, e));
    const r = this.result;
    const n = ++this.n;
    r.lines++;
    if (k !== BYTES_FLOW) {
      r.skipped++;
      return;
    }
    if (sc.meta >= 0) return this.flowAt(n, r.tally.connectionOfNumbers(sc.srcIp, sc.dstIp, sc.meta), sc.time, sc.srcPort);
    const id = this.raw.find(buf, sc.srcStart, sc.srcEnd, sc.restStart, sc.restEnd);
    if (id < 0) {
      this.raw.insert(buf, sc.srcStart, sc.srcEnd, sc.restStart, sc.restEnd);
      this.outcomes.push(this.firstSeen(buf, s, e, n));
      return;
    }
    const o = this.outcomes[id]!;
    if (o >= 0) this.flowAt(n, o, sc.time, sc.srcPort);
    else if (o === -1) r.skipped++;
    else this.malformed(n, this.reasons[-2 - o]!);
  }

  /**
   * Line `n` in bytes [s, e), the first with its connection's fields: the string path reads and
   * counts it, and its outcome is that of every line with the same fields: a connection number
   * (>= 0), -1 for a skip, or -2 - i for the malformed reason i.
   */
  private firstSeen(buf: Buffer, s: number, e: number, n: number): number {
    const p = this.parse!(buf.toString('utf8', s, e));
    if (p.kind === 'flow') {
      const c = this.result.tally.connection(p.flow);
      this.flowAt(n, c, p.flow.time ?? NaN, p.flow.srcPort);
      return c;
    }
    this.counted(n, p);
    return p.kind === 'skip' ? -1 : -2 - (this.reasons.push(p.reason) - 1);
  }

  /** Line `n`, a flow of connection `c` at time `t` (NaN: none), as counted() counts it. */
  private flowAt(n: number, c: number, t: number, srcPort: number | undefined): void {
    const r = this.result;
    r.flows++;
    if (t > this.runMax) this.runMax = t;
    this.lastFlowLine = n;
    r.tally.addAt(c, t, this.ordering === 'time' ? this.runMax : 0, r.part.file, n, srcPort);
  }

  /** A line's text, or the length of an over-long one. */
  private line(l: string | number): void {
    if (this.head) {
      this.head.push(l);
      if (this.head.length >= HEAD_LINES) this.detectAndReplay();
      return;
    }
    this.handle(l);
  }

  private detectAndReplay(): void {
    const head = this.head!;
    this.head = undefined;
    if (head.length === 0) return;
    const f = detectFormat(head.filter((l): l is string => typeof l === 'string'));
    if (!f) throw new InputError('cannot tell the flow log format from its first lines (use --format agent|cloudwatch|vpc|csv|jsonl)', { file: this.result.part.path, line: 1 });
    this.parse = PARSERS[f];
    this.fast = f === 'agent';
    for (const l of head) this.handle(l);
  }

  private handle(l: string | number): void {
    const r = this.result;
    const n = ++this.n;
    r.lines++;
    if (typeof l === 'number') {
      this.malformed(n, `the line is ${l} bytes long, more than the ${MAX_LINE_BYTES} podwall reads`);
      return;
    }
    if (l.trim() === '') return;
    this.counted(n, this.parse!(l));
  }

  /** Line `n`, read. */
  private counted(n: number, p: LineResult): void {
    const r = this.result;
    if (p.kind === 'flow') {
      r.flows++;
      const flow: FlowRecord = p.flow;
      let order = 0;
      if (flow.time !== undefined && flow.time > this.runMax) this.runMax = flow.time;
      if (this.ordering === 'time') order = this.runMax;
      this.lastFlowLine = n;
      r.tally.add(flow, order, r.part.file, n);
    } else if (p.kind === 'skip') {
      r.skipped++;
    } else {
      this.malformed(n, p.reason);
    }
  }

  private malformed(n: number, reason: string): void {
    const r = this.result;
    r.malformed++;
    if (r.malformedNotes.length < 5) r.malformedNotes.push({ line: n, reason, order: this.lastFlowLine ? this.runMax : -Infinity, after: this.lastFlowLine });
  }

  get maxTime(): number {
    return this.runMax;
  }

  get tally(): FlowTally {
    return this.result.tally;
  }
}

function text(b: Buffer): string {
  return (b.length && b[b.length - 1] === 13 ? b.subarray(0, b.length - 1) : b).toString('utf8');
}

const CHUNK = 1 << 20;

/**
 * Reads one part into a tally; `onChunk` sees the tally after each chunk read (a worker sends its new
 * connections ahead). At the end of a byte range, `extend` may give the end of the range that follows
 * it in the file, which is then read into the same tally as if the part had been that much longer.
 */
export async function tallyPart(part: TallyPart, window: TallyWindow, ordering: Ordering, chunk = CHUNK, keep?: number, onChunk?: (tally: FlowTally) => void, extend?: () => number | undefined): Promise<PartResult> {
  const reader = new PartReader(part, window, ordering, keep);
  let end = part.range?.end ?? Infinity;
  try {
    const st = part.range ? undefined : statSync(part.path);
    const gzip = st?.isFile() && (await isGzip(part.path));
    if (part.range || (st?.isFile() && !gzip)) {
      // a plain file (or a range of it) read into one buffer, not a new one per chunk
      const fd = openSync(part.path, 'r');
      try {
        const buf = Buffer.allocUnsafe(chunk);
        for (let pos = part.range?.start ?? 0; ; ) {
          if (pos >= end) {
            const further = part.range ? extend?.() : undefined;
            if (further === undefined) break;
            end = further;
          }
          const got = readSync(fd, buf, 0, Math.min(chunk, end - pos), pos);
          if (got === 0) break;
          pos += got;
          reader.feed(buf.subarray(0, got));
          onChunk?.(reader.tally);
        }
      } finally {
        closeSync(fd);
      }
    } else {
      const stream = gzip ? gunzipWithinBudget(part.path, st!.size, { highWaterMark: chunk, chunkSize: Math.max(64, Math.min(chunk, 1 << 16)) }) : createReadStream(part.path, { highWaterMark: chunk });
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          reader.feed(chunk);
          onChunk?.(reader.tally);
        }
      } finally {
        stream.destroy();
      }
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw cannotRead(e, part.path);
  }
  const r = reader.end();
  r.maxTime = reader.maxTime;
  if (part.range && end !== part.range.end) r.part = { ...part, range: { start: part.range.start, end } };
  return r;
}

/**
 * The parts of a file: two byte ranges split at a newline near the middle when the file is plain,
 * large, and its format is known (given, or detected from its first lines here); else the whole file.
 * Synchronous, so that the workers get their first parts before the caller goes on (tallyFiles).
 */
export function splitParts(path: string, file: number, format: FlowFormat | undefined, pieces: number, splitBytes = 16 * CHUNK): TallyPart[] {
  const whole: TallyPart[] = [{ path, file, ...(format ? { format } : {}) }];
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile() || pieces < 2 || st.size < splitBytes || isGzipNow(path)) return whole;
    size = st.size;
  } catch {
    return whole; // the reader reports it
  }
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return whole; // the reader reports it
  }
  try {
    const f = format ?? detectHead(fd);
    if (!f) return whole;
    const cuts = [0];
    const probe = Buffer.allocUnsafe(64 * 1024);
    for (let i = 1; i < pieces; i++) {
      const at = Math.floor((size * i) / pieces);
      const got = readSync(fd, probe, 0, probe.length, at);
      const nl = probe.subarray(0, got).indexOf(10);
      if (nl < 0) return whole;
      const cut = at + nl + 1;
      if (cut > cuts[cuts.length - 1]! && cut < size) cuts.push(cut);
    }
    cuts.push(size);
    return cuts.slice(1).map((end, i) => ({ path, file, range: { start: cuts[i]!, end }, format: f }));
  } catch {
    return whole; // the reader reports it
  } finally {
    closeSync(fd);
  }
}

/** isGzip (flow-files.ts) without waiting: the file starts with gzip's magic bytes. */
function isGzipNow(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(2);
    return readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** The format of a plain file from its first lines, as the reader would detect it; undefined when unsure. */
function detectHead(fd: number): FlowFormat | undefined {
  const buf = Buffer.allocUnsafe(256 * 1024);
  const got = readSync(fd, buf, 0, buf.length, 0);
  const lines: string[] = [];
  let start = 0;
  for (let nl = buf.indexOf(10, start); nl >= 0 && nl < got && lines.length < HEAD_LINES; nl = buf.indexOf(10, start)) {
    lines.push(text(buf.subarray(start, nl)));
    start = nl + 1;
  }
  if (lines.length < HEAD_LINES) return undefined;
  return detectFormat(lines);
}

/**
 * Part results (in file order, each file's parts in byte order) into one tally and the read
 * statistics: line numbers, times and examples put back in place.
 */
export function mergeParts(results: PartResult[], stats: ReadStats, ordering: Ordering, keep?: number): FlowTally {
  const tally = results[0]?.tally ?? new FlowTally({}, keep);
  const notes: { file: number; path: string; line: number; reason: string; order: number; after: number }[] = [];
  let file = -1;
  let lineOffset = 0;
  let prefixMax = -Infinity;
  let flowsBefore = 0;
  for (const r of results) {
    if (r.part.file !== file) {
      file = r.part.file;
      lineOffset = 0;
      prefixMax = -Infinity;
      flowsBefore = 0;
    }
    if (lineOffset || (ordering === 'time' && prefixMax !== -Infinity)) r.tally.shiftOccurrences(lineOffset, ordering === 'time' ? prefixMax : -Infinity);
    for (const m of r.malformedNotes) {
      // a malformed line is met after the flow before it in its file; before any, as the reading starts
      const shifted = m.after ? { order: ordering === 'time' ? Math.max(m.order, prefixMax) : 0, after: m.after + lineOffset } : flowsBefore ? { order: ordering === 'time' ? prefixMax : 0, after: lineOffset } : { order: -Infinity, after: 0 };
      notes.push({ file: r.part.file, path: r.part.path, line: m.line + lineOffset, reason: m.reason, ...shifted });
    }
    stats.lines += r.lines;
    stats.flows += r.flows;
    stats.skipped += r.skipped;
    stats.malformed += r.malformed;
    lineOffset += r.lines;
    flowsBefore += r.flows;
    prefixMax = Math.max(prefixMax, r.maxTime);
    if (r.tally !== tally) tally.merge(r.tally);
  }
  // the first malformed lines as the reading meets them, then listed in file order
  // (merged by time: each file's lines before its first flow as the reading starts, then as the merge goes)
  const met = ordering === 'sequence' ? notes.sort((a, b) => a.file - b.file || a.line - b.line) : notes.sort((a, b) => ((a.after === 0) !== (b.after === 0) ? (a.after === 0 ? -1 : 1) : comparePos(a, b)));
  for (const m of met.slice(0, 5 - stats.malformedExamples.length)) stats.malformedExamples.push({ file: m.path, line: m.line, reason: m.reason });
  if (ordering === 'time') stats.malformedExamples.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  return tally;
}

function comparePos(a: { order: number; file: number; after: number; line: number }, b: { order: number; file: number; after: number; line: number }): number {
  return a.order < b.order ? -1 : a.order > b.order ? 1 : a.file - b.file || a.after - b.after || a.line - b.line;
}

export interface TallyOptions {
  format?: FlowFormat;
  window?: TallyWindow;
  ordering: Ordering;
  /** Worker threads to read with; 1 reads in this thread. */
  threads: number;
  /** Occurrences kept per connection (tally.ts): as many as the command quotes; KEPT_OCCURRENCES when absent. */
  keep?: number;
  /**
   * Told, while the workers count, the connections in the plain spelling they have met so far (three
   * numbers each, plainSince; some may come twice): the caller may judge them meanwhile. Only a hint:
   * the tally it gets is the whole truth.
   */
  onConnections?: (numbers: Int32Array) => void;
  /** Stops the reading (its workers end) when the caller no longer wants the tally: it then rejects. */
  signal?: AbortSignal;
  /**
   * The caller's own thread is busy until this settles (it loads the cluster meanwhile): one of the
   * `threads` workers is started only then, and only if parts are still waiting. On two cores the
   * counting then has one core and the cluster the other, rather than three threads sharing two
   * (and a log the one worker counts before the cluster is loaded is one part, never merged).
   */
  callerFree?: Promise<void>;
  /**
   * For tests: byte ranges per file, the smallest file split, the read size, the least input for
   * threads; `onWorker` is told of each worker started (0 first), `onPart` which worker read which part.
   */
  tuning?: { pieces?: number; splitBytes?: number; chunkBytes?: number; threadedBytes?: number; onPart?: (part: number, worker: number) => void; onWorker?: (worker: number) => void };
}

/** Below this many bytes in all, threads cost more than they save. */
const THREADED_BYTES = 32 * CHUNK;

/**
 * The logs counted into one tally, their parts read on `threads` worker threads; counts go into `stats`.
 * The parts are planned and the workers given their first ones before this returns, so a caller that
 * then keeps its thread busy (loading the cluster, synchronously) is not waited for.
 */
export function tallyFiles(paths: readonly string[], stats: ReadStats, options: TallyOptions): Promise<FlowTally> {
  const window = options.window ?? {};
  const tuning = options.tuning ?? {};
  const chunk = tuning.chunkBytes ?? CHUNK;
  const signal = options.signal;
  let parts: TallyPart[];
  let working: Promise<PartResult[]> | undefined;
  try {
    let bytes = 0;
    for (const p of paths) {
      try {
        const st = statSync(p);
        bytes += st.isFile() ? st.size : THREADED_BYTES;
      } catch {
        // the reader reports it
      }
    }
    const threads = bytes >= (tuning.threadedBytes ?? THREADED_BYTES) ? options.threads : 1;
    parts = [];
    for (const [file, path] of paths.entries()) parts.push(...splitParts(path, file, options.format, tuning.pieces ?? (paths.length === 1 ? threads : 1), tuning.splitBytes));
    if (threads > 1 && parts.length > 1) working = onWorkers(parts, options, { threads, chunk, window });
  } catch (e) {
    return Promise.reject(e);
  }
  return (async () => {
    const results = working ? await working : [];
    if (!working) {
      for (const part of parts) {
        signal?.throwIfAborted();
        results.push(await tallyPart(part, window, options.ordering, chunk, options.keep));
      }
    }
    return mergeParts(results, stats, options.ordering, options.keep);
  })();
}

/**
 * The parts read on worker threads, which claim them in order (flow-tally-worker.ts): all `threads`
 * of them started now, or all but one while the caller is busy (options.callerFree). A worker reads the
 * parts that follow its own in the file on into one tally while nobody else has claimed them, so the
 * results are fewer than the parts when one worker got ahead: each covers its first to its last part.
 */
function onWorkers(parts: TallyPart[], options: TallyOptions, plan: { threads: number; chunk: number; window: TallyWindow }): Promise<PartResult[]> {
  const { signal, onConnections, callerFree } = options;
  const { onPart, onWorker } = options.tuning ?? {};
  if (signal?.aborted) return Promise.reject(signal.reason);
  const claims = new Int32Array(new SharedArrayBuffer(4));
  const results: PartResult[] = [];
  const workers: Worker[] = [];
  const failures: (InputError | Error)[] = [];
  let running = 0;
  let settle!: { done: () => void; fail: (e: unknown) => void };
  const all = new Promise<void>((done, fail) => (settle = { done, fail }));
  const start = (): void => {
    const w = new Worker(new URL('./flow-tally-worker.js', import.meta.url));
    const index = workers.push(w) - 1;
    onWorker?.(index);
    running++;
    new Promise<void>((done, fail) => {
      w.on('message', (m: { id: number; last?: number; done?: boolean; connections?: Int32Array; result?: PartResult & { tally: TallyData }; error?: { message: string; location?: SourceLocation } }) => {
        if (m.done) return done();
        if (m.connections) {
          if (!failures.length) onConnections?.(m.connections);
          return;
        }
        if (m.error) {
          failures[m.id] = m.error.location ? new InputError(m.error.message, m.error.location) : new Error(m.error.message);
          // no part is claimed after a failure
          Atomics.store(claims, 0, parts.length);
          return;
        }
        results[m.id] = { ...m.result!, tally: FlowTally.fromData(m.result!.tally) };
        for (let p = m.id; p <= m.last!; p++) onPart?.(p, index);
      });
      w.on('error', fail);
      signal?.addEventListener('abort', () => fail(signal.reason), { once: true });
      w.postMessage({ parts, claims, window: plan.window, ordering: options.ordering, chunk: plan.chunk, keep: options.keep, ahead: onConnections !== undefined });
    }).then(() => {
      if (--running === 0) settle.done();
    }, settle.fail);
  };
  const first = Math.min(callerFree ? plan.threads - 1 : plan.threads, parts.length);
  for (let i = 0; i < first; i++) start();
  // a part nobody has claimed when the caller is free gets a worker of its own; while one is
  // unclaimed a worker runs (none stops before every part is claimed), so the reading is not over
  callerFree?.then(() => {
    if (Atomics.load(claims, 0) < parts.length && !signal?.aborted && workers.length < plan.threads) start();
  });
  return (async () => {
    try {
      await all;
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
    // the first part in reading order that failed is the one reported
    const failure = failures.find((f) => f !== undefined);
    if (failure) throw failure;
    // (in part order: the results of parts read on into another's are holes)
    return results.filter((r) => r !== undefined);
  })();
}
