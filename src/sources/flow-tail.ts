/**
 * `watch --flows PATH`: flow-log files followed as they grow, as `tail -F` follows them. Every
 * poll lists the paths again (a directory: every regular file inside, recursively), reads what
 * was appended to each file since the last poll, and follows a file by its identity (device and
 * inode), not its name: a file renamed by log rotation is read to its end, then let go; a new file
 * under the followed name, or a new file in a followed directory, is read from its start; a file
 * truncated in place (copytruncate) is read again from its start. A line is judged only once its
 * newline is written. Gzip files in a directory (rotated archives, already read as they were
 * written) are skipped.
 */
import { readdirSync, statSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../k8s/errors.js';
import { detectFormat, PARSERS } from '../flows/formats.js';
import type { FlowFollower, FlowSink } from '../flows/follow.js';
import type { FlowFormat } from '../flows/record.js';
import { MAX_LINE_BYTES } from './flow-files.js';

interface Tracked {
  key: string;
  path: string;
  fh: FileHandle;
  offset: number;
  /** Bytes of a line whose newline has not been written yet. */
  partial: Buffer[];
  partialBytes: number;
  /** Bytes of an over-long line being skipped. */
  discarding: number;
  line: number;
  format?: FlowFormat;
  /** Lines (and their numbers) held until the format can be told from them. */
  head: [string, number][];
  skipped: boolean;
}

export interface TailOptions {
  format?: FlowFormat;
  pollMs?: number;
}

const CHUNK = 1 << 20;

export class FileFollower implements FlowFollower {
  readonly label: string;
  private readonly tracked = new Map<string, Tracked>();
  private readonly told = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopped = false;
  private malformed = 0;

  constructor(
    private readonly paths: readonly string[],
    private readonly options: TailOptions = {},
  ) {
    this.label = paths.join(', ');
  }

  async start(sink: FlowSink): Promise<void> {
    // a path missing at start is most likely a typo: said at once (later it may come and go)
    for (const p of this.paths) {
      try {
        statSync(p);
      } catch (e) {
        throw new InputError(`cannot follow: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : String((e as Error).message)}`, { file: p });
      }
    }
    await this.poll(sink);
    this.timer = setInterval(() => {
      if (this.polling || this.stopped) return;
      this.polling = this.poll(sink)
        .catch((e: Error) => sink.notice(`following ${this.label} failed: ${e.message}`))
        .finally(() => (this.polling = undefined));
    }, this.options.pollMs ?? 250);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const t of this.tracked.values()) void t.fh.close().catch(() => undefined);
    this.tracked.clear();
  }

  private notice(sink: FlowSink, once: string, message: string): void {
    if (this.told.has(once)) return;
    this.told.add(once);
    sink.notice(message);
  }

  /** The regular files under the followed paths now, by identity. */
  private list(sink: FlowSink): Map<string, { path: string; st: Stats }> {
    const out = new Map<string, { path: string; st: Stats }>();
    const walk = (p: string, top: boolean): void => {
      let st: Stats;
      try {
        st = statSync(p);
      } catch {
        if (top) this.notice(sink, `missing ${p}`, `${p}: not there (rotated or removed); following it again when it appears`);
        return;
      }
      if (top) this.told.delete(`missing ${p}`);
      if (st.isDirectory()) {
        let entries: string[] = [];
        try {
          entries = readdirSync(p);
        } catch (e) {
          this.notice(sink, `unreadable ${p}`, `${p}: cannot read the directory (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
        }
        for (const e of entries.sort()) if (!e.startsWith('.')) walk(join(p, e), false);
        return;
      }
      if (st.isFile()) out.set(`${st.dev}:${st.ino}`, { path: p, st });
    };
    for (const p of this.paths) walk(p, true);
    return out;
  }

  private async poll(sink: FlowSink): Promise<void> {
    const present = this.list(sink);
    for (const [key, { path }] of present) {
      if (this.tracked.has(key) || this.told.has(`skip ${key}`)) continue;
      let fh: FileHandle;
      try {
        fh = await open(path, 'r');
      } catch (e) {
        this.notice(sink, `open ${key}`, `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)}); trying again`);
        continue;
      }
      const magic = Buffer.alloc(2);
      const { bytesRead } = await fh.read(magic, 0, 2, 0);
      if (bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b) {
        await fh.close();
        this.notice(sink, `skip ${key}`, `${path}: skipped, gzip (a rotated archive: watch follows the live log)`);
        continue;
      }
      this.tracked.set(key, { key, path, fh, offset: 0, partial: [], partialBytes: 0, discarding: 0, line: 0, head: [], skipped: false, ...(this.options.format ? { format: this.options.format } : {}) });
    }
    for (const t of [...this.tracked.values()]) {
      if (this.stopped) return;
      const now = present.get(t.key);
      if (now) t.path = now.path; // renamed within a followed directory: same file, new name
      await this.read(t, sink);
      if (!now) {
        // rotated away or removed: read to its end above, now let go
        this.tracked.delete(t.key);
        await t.fh.close().catch(() => undefined);
      }
    }
  }

  private async read(t: Tracked, sink: FlowSink): Promise<void> {
    const { size } = await t.fh.stat();
    if (size < t.offset) {
      sink.notice(`${t.path}: truncated; reading it again from the start`);
      Object.assign(t, { offset: 0, partial: [], partialBytes: 0, discarding: 0, line: 0 });
    }
    const buf = Buffer.alloc(Math.min(CHUNK, Math.max(0, size - t.offset)));
    while (t.offset < size && !this.stopped) {
      const { bytesRead } = await t.fh.read(buf, 0, Math.min(buf.length, size - t.offset), t.offset);
      if (bytesRead === 0) break;
      t.offset += bytesRead;
      this.split(t, buf.subarray(0, bytesRead), sink);
    }
  }

  private split(t: Tracked, chunk: Buffer, sink: FlowSink): void {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      t.line++;
      if (t.discarding || t.partialBytes + piece.length > MAX_LINE_BYTES) {
        this.bad(t, sink, `the line is longer than the ${MAX_LINE_BYTES} bytes podwall reads`);
      } else {
        const bytes = t.partialBytes ? Buffer.concat([...t.partial, piece]) : piece;
        this.handle(t, (bytes.length && bytes[bytes.length - 1] === 13 ? bytes.subarray(0, bytes.length - 1) : bytes).toString('utf8'), sink);
      }
      t.partial = [];
      t.partialBytes = 0;
      t.discarding = 0;
    }
    const rest = chunk.subarray(start);
    if (!rest.length) return;
    if (t.discarding || t.partialBytes + rest.length > MAX_LINE_BYTES) {
      t.discarding += t.partialBytes + rest.length;
      t.partial = [];
      t.partialBytes = 0;
    } else {
      t.partial.push(Buffer.from(rest)); // the read buffer is reused
      t.partialBytes += rest.length;
    }
  }

  private handle(t: Tracked, line: string, sink: FlowSink): void {
    if (t.skipped || line.trim() === '') return;
    if (!t.format) {
      t.head.push([line, t.line]);
      const format = detectFormat(t.head.map(([l]) => l));
      if (!format) {
        if (t.head.length >= 20) {
          t.skipped = true;
          sink.notice(`${t.path}: cannot tell the flow log format from its first lines; not followed (use --format agent|cloudwatch|vpc|csv|jsonl)`);
        }
        return;
      }
      t.format = format;
      const held = t.head;
      t.head = [];
      for (const [l, n] of held) this.parse(t, l, n, sink);
      return;
    }
    this.parse(t, line, t.line, sink);
  }

  private parse(t: Tracked, line: string, n: number, sink: FlowSink): void {
    const r = PARSERS[t.format!](line);
    if (r.kind === 'flow') sink.flow({ ...r.flow, file: t.path, line: n });
    else if (r.kind === 'malformed') this.bad(t, sink, r.reason, n);
  }

  private bad(t: Tracked, sink: FlowSink, reason: string, n = t.line): void {
    // the first few are told; the rest would drown stderr when a log goes bad
    if (++this.malformed <= 5) sink.notice(`${t.path}:${n}: skipped, ${reason}${this.malformed === 5 ? ' (further malformed lines are not told)' : ''}`);
  }
}
