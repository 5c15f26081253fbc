/** Flow logs from files: plain or gzip, streamed line by line so any size runs in constant memory. */
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { InputError } from '../k8s/errors.js';
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

async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

async function* fileLines(path: string): AsyncGenerator<string> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await isGzip(path)) ? createReadStream(path).pipe(createGunzip()) : createReadStream(path, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file: path });
  }
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const line of rl) yield line;
  } catch (e) {
    throw new InputError(`cannot read: ${(e as Error).message}`, { file: path });
  }
}

/** Parses lines of one log; detects the format from the first lines unless given. */
export async function* flowsFromLines(lines: AsyncIterable<string>, file: string, stats: ReadStats, options: ReadFlowOptions = {}): AsyncGenerator<LocatedFlow> {
  let format = options.format;
  const head: string[] = [];
  let n = 0;
  const handle = function* (line: string): Generator<LocatedFlow> {
    n++;
    stats.lines++;
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

function detect(head: string[], file: string): FlowFormat {
  const f = detectFormat(head);
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

/** Log arguments: files, or directories (every file inside, recursively, in name order). */
export function expandLogPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new InputError('no such file or directory', { file: p });
    }
    if (!st.isDirectory()) {
      out.push(p);
      return;
    }
    for (const e of readdirSync(p).sort()) if (!e.startsWith('.')) walk(join(p, e));
  };
  for (const p of paths) walk(p);
  return out;
}
