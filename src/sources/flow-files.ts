/** Flow logs from files: plain or gzip, streamed line by line so any size runs in constant memory. */
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'node:fs/promises';
import { InputError, type Diagnostic } from '../k8s/errors.js';
import { describeReadError } from '../faults/errors.js';
import { splitLines, type LongLine } from './lines.js';
import { gunzipWithinBudget } from './gzip-budget.js';
import { detectFormat, PARSERS } from '../flows/formats.js';
import type { FlowFormat, FlowRecord } from '../flows/record.js';

export interface ReadStats {
  lines: number;
  flows: number;
  skipped: number;
  malformed: number;
  /** The first few malformed lines, for the report. */
  malformedExamples: { file: string; line: number; reason: string }[];
}

export function newStats(): ReadStats {
  return { lines: 0, flows: 0, skipped: 0, malformed: 0, malformedExamples: [] };
}

export interface LocatedFlow extends FlowRecord {
  file: string;
  line: number;
}

export interface ReadFlowOptions {
  format?: FlowFormat;
  strict?: boolean;
}

export async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** The longest flow log line podwall reads; a longer one is counted as malformed and never held whole. */
export const MAX_LINE_BYTES = 1024 * 1024;

export function cannotRead(e: unknown, file: string): InputError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') return new InputError(`the gzip data is corrupt or truncated (${(e as Error).message})`, { file });
  if (code === 'EISDIR') return new InputError('is a directory', { file });
  return new InputError(`cannot read: ${describeReadError(e)}`, { file });
}

async function* fileLines(path: string): AsyncGenerator<string | LongLine> {
  let stream: AsyncIterable<Buffer> & { destroy(): void };
  try {
    // a pipe cannot be peeked at without losing bytes: it is read as plain text
    const st = statSync(path);
    stream = st.isFile() && (await isGzip(path)) ? gunzipWithinBudget(path, st.size) : createReadStream(path);
  } catch (e) {
    throw cannotRead(e, path);
  }
  try {
    yield* splitLines(stream, MAX_LINE_BYTES);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw cannotRead(e, path);
  } finally {
    stream.destroy();
  }
}

/** Parses lines of one log; detects the format from the first lines unless given. */
export async function* flowsFromLines(lines: AsyncIterable<string | LongLine>, file: string, stats: ReadStats, options: ReadFlowOptions = {}): AsyncGenerator<LocatedFlow> {
  let format = options.format;
  const head: (string | LongLine)[] = [];
  let n = 0;
  const handle = function* (line: string | LongLine): Generator<LocatedFlow> {
    n++;
    stats.lines++;
    if (typeof line !== 'string') {
      stats.malformed++;
      const reason = `the line is ${line.tooLong} bytes long, more than the ${MAX_LINE_BYTES} podwall reads`;
      if (options.strict) throw new InputError(`malformed flow line: ${reason}`, { file, line: n });
      if (stats.malformedExamples.length < 5) stats.malformedExamples.push({ file, line: n, reason });
      return;
    }
    if (line.trim() === '') return;
    const r = PARSERS[format!](line);
    if (r.kind === 'flow') {
      stats.flows++;
      const located = r.flow as LocatedFlow;
      located.file = file;
      located.line = n;
      yield located;
    } else if (r.kind === 'skip') {
      stats.skipped++;
    } else {
      stats.malformed++;
      if (options.strict) throw new InputError(`malformed ${format} flow line: ${r.reason}`, { file, line: n });
      if (stats.malformedExamples.length < 5) stats.malformedExamples.push({ file, line: n, reason: r.reason });
    }
  };
  for await (const line of lines) {
    if (!format) {
      head.push(line);
      if (head.length < 20) continue;
      format = detect(head, file);
      for (const h of head) yield* handle(h);
      continue;
    }
    yield* handle(line);
  }
  if (!format && head.length) {
    format = detect(head, file);
    for (const h of head) yield* handle(h);
  }
}

function detect(head: (string | LongLine)[], file: string): FlowFormat {
  const f = detectFormat(head.filter((l): l is string => typeof l === 'string'));
  if (!f) throw new InputError('cannot tell the flow log format from its first lines (use --format agent|cloudwatch|vpc|csv|jsonl)', { file, line: 1 });
  return f;
}

/** The flows of one log file. */
export function readFlowFile(path: string, stats: ReadStats, options: ReadFlowOptions = {}): AsyncGenerator<LocatedFlow> {
  return flowsFromLines(fileLines(path), path, stats, options);
}

export async function* readFlowFiles(paths: readonly string[], stats: ReadStats, options: ReadFlowOptions = {}): AsyncGenerator<LocatedFlow> {
  for (const path of paths) yield* flowsFromLines(fileLines(path), path, stats, options);
}

/**
 * Log arguments: files, or directories (every regular file inside, recursively, in name order).
 * FIFOs, devices and sockets inside directories are skipped with a warning; named directly, a FIFO
 * is read (`<(zcat ...)`) and a device is an error.
 */
export function expandLogPaths(paths: readonly string[], warn: (d: Diagnostic) => void = () => undefined): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = (p: string, top: boolean): void => {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new InputError('no such file or directory', { file: p });
      throw new InputError(`cannot read: ${describeReadError(e)}`, { file: p });
    }
    if (st.isDirectory()) {
      const id = `${st.dev}:${st.ino}`;
      if (seen.has(id)) return warn({ file: p, severity: 'warning', message: 'skipped: a directory already read (a symbolic link loop or a second link)' });
      seen.add(id);
      let entries;
      try {
        entries = readdirSync(p);
      } catch (e) {
        throw new InputError(`cannot read the directory: ${describeReadError(e)}`, { file: p });
      }
      for (const e of entries.sort()) if (!e.startsWith('.')) walk(join(p, e), false);
      return;
    }
    if (st.isFile() || (top && st.isFIFO())) {
      out.push(p);
      return;
    }
    const what = st.isFIFO() ? 'a FIFO (named pipe)' : st.isSocket() ? 'a socket' : 'a device';
    if (top) throw new InputError(`not a log file: it is ${what}`, { file: p });
    warn({ file: p, severity: 'warning', message: `skipped: ${what}, not a regular file` });
  };
  for (const p of paths) walk(p, true);
  return out;
}
