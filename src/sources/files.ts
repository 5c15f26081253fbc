/** Inputs from the file system and stdin: files, directories (recursive), and `-`. */
import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readFileSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { InputError, type Diagnostic } from '../k8s/errors.js';
import { describeReadError } from '../faults/errors.js';
import { carryPositions } from '../k8s/positions.js';
import { SourceText } from '../k8s/source-text.js';
import { parseDocuments, type ParsedDocument } from '../k8s/yaml.js';
import { slimRead } from './slim.js';
import { checkText } from './text-content.js';

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

/** The largest manifest file podwall reads: beyond it a string would not fit in memory anyway. */
export const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

export interface ReadOptions {
  /** Reads stdin once; injectable so tests need no real stdin. */
  readStdin?: () => string;
  /** Where warnings about the inputs go (an empty file, a FIFO skipped in a directory). */
  warn?: (d: Diagnostic) => void;
  /** Told before each file is read and parsed (progress on a terminal). */
  onFile?: (name: string, index: number, files: number) => void;
  /**
   * Keep of each object only what a model is built from (slim.ts slimRead), and let each regular
   * file's text go once read (it is read again for the positions of what is reported). For the
   * commands that build a model; not for those that write the objects back (snapshot).
   */
  slim?: boolean;
}

type Warn = (d: Diagnostic) => void;
const ignore: Warn = () => undefined;

/** What a file system entry is, for a message: only regular files hold manifests. */
function special(st: Stats): string | undefined {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return undefined;
}

function cannot(what: string, e: unknown, file: string): InputError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new InputError('no such file or directory', { file });
  if (code === 'ENOTDIR') return new InputError('no such file or directory (a part of the path is a file)', { file });
  if (code === 'ELOOP') return new InputError('a loop of symbolic links', { file });
  return new InputError(`cannot ${what}: ${describeReadError(e)}`, { file });
}

/**
 * Expands `-f` arguments into the list of files to read, in a stable order. A path given by name may
 * be a pipe (`-f <(helm template ...)`); inside directories only regular files are read, symbolic
 * links are followed once, and a link back to a directory already read is skipped with a warning.
 */
export function expandPaths(paths: readonly string[], warn: Warn = ignore): string[] {
  const out: string[] = [];
  const seenDirs = new Map<string, string>();
  const seenFiles = new Set<string>();
  for (const p of paths) {
    if (p === '-') {
      out.push('-');
      continue;
    }
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      throw cannot('read', e, p);
    }
    if (st.isDirectory()) for (const f of walk(p, seenDirs, seenFiles, warn)) out.push(f); // a loop: a tree may hold more files than a call takes arguments
    else if (st.isCharacterDevice() || st.isBlockDevice() || st.isSocket()) throw new InputError(`not a file: it is ${special(st)}`, { file: p });
    else out.push(p);
  }
  return out;
}

function walk(dir: string, seenDirs: Map<string, string>, seenFiles: Set<string>, warn: Warn): string[] {
  let real: string;
  let entries;
  try {
    real = realpathSync(dir);
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw cannot('read the directory', e, dir);
  }
  const before = seenDirs.get(real);
  if (before !== undefined) {
    warn({ file: dir, severity: 'warning', message: `skipped: the same directory as ${before} (a symbolic link loop or a second link), already read` });
    return [];
  }
  seenDirs.set(real, dir);
  const out: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    const manifestName = MANIFEST_EXTENSIONS.some((ext) => entry.name.endsWith(ext));
    let st: Stats;
    try {
      st = entry.isSymbolicLink() ? statSync(full) : lstatSync(full);
    } catch (e) {
      if (entry.isSymbolicLink()) {
        if (manifestName) warn({ file: full, severity: 'warning', message: 'skipped: a broken symbolic link' });
        continue;
      }
      throw cannot('read', e, full);
    }
    if (st.isDirectory()) for (const f of walk(full, seenDirs, seenFiles, warn)) out.push(f);
    else if (!manifestName) continue;
    else if (!st.isFile()) warn({ file: full, severity: 'warning', message: `skipped: ${special(st) ?? 'not a regular file'}, not a regular file` });
    else {
      const key = `${st.dev}:${st.ino}`;
      if (seenFiles.has(key)) continue; // the same file through a second link: its objects once
      seenFiles.add(key);
      out.push(full);
    }
  }
  return out;
}

/** The bytes of a file or pipe, at most MAX_MANIFEST_BYTES; the file is named when it is larger. */
function readBytes(file: string): Buffer {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw cannot('read', e, file);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new InputError('is a directory', { file });
    if (st.isFile() && st.size > MAX_MANIFEST_BYTES) throw tooLarge(file);
    if (st.isFile()) return readFileSync(fd);
    return readStream(fd, file);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw cannot('read', e, file);
  } finally {
    closeSync(fd);
  }
}

/** A pipe (or stdin) read to its end, up to the bound: `-f - < /dev/zero` is an error, not a crash. */
function readStream(fd: number, file: string): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  const chunk = Buffer.alloc(1 << 20);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, chunk, 0, chunk.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        // a non-blocking pipe with nothing yet: wait a moment, as readFileSync would spin
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      if (code === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    total += n;
    if (total > MAX_MANIFEST_BYTES) throw tooLarge(file);
    chunks.push(Buffer.from(chunk.subarray(0, n)));
  }
  return Buffer.concat(chunks);
}

/** Standard input as manifest text, bounded and checked as files are. */
export function readStdinText(): string {
  let bytes: Buffer;
  try {
    bytes = readStream(0, '<stdin>');
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw cannot('read', e, '<stdin>');
  }
  return checkText(bytes, '<stdin>');
}

function tooLarge(file: string): InputError {
  return new InputError(`larger than ${MAX_MANIFEST_BYTES / 1024 / 1024} MiB: split it into several files`, { file });
}

/** The text of a manifest: UTF-8 only; binary, compressed or UTF-16 content is an error naming the file. */
export function readText(file: string, options: ReadOptions = {}): string {
  if (file === '-') return (options.readStdin ?? readStdinText)();
  return checkText(readBytes(file), file);
}

export function readDocuments(paths: readonly string[], options: ReadOptions = {}): ParsedDocument[] {
  const warn = options.warn ?? ignore;
  const docs: ParsedDocument[] = [];
  const files = expandPaths(paths, warn);
  for (const [index, file] of files.entries()) {
    const name = file === '-' ? '<stdin>' : file;
    options.onFile?.(name, index, files.length);
    const again = options.slim && file !== '-' ? rereader(file) : undefined;
    const text = readText(file, options);
    const source = new SourceText(text, again);
    const parsed = parseDocuments(text, name, source);
    if (options.slim) {
      for (const d of parsed) d.value = slimDocument(d.value, new Set());
      source.release();
    }
    if (parsed.length === 0) warn({ file: name, severity: 'warning', message: 'no objects: the file is empty or holds only comments' });
    for (const d of parsed) {
      if (d.value === null || d.value === undefined) continue;
      if (typeof d.value !== 'object' || Array.isArray(d.value)) {
        const what = Array.isArray(d.value) ? 'a list' : `a ${typeof d.value} (${JSON.stringify(d.value).slice(0, 40)})`;
        throw new InputError(`the document is ${what}, not a Kubernetes object (a mapping with apiVersion and kind)`, { file: name, line: d.line });
      }
      docs.push(d);
    }
  }
  return docs;
}

/**
 * A way to read a regular file's text again, for positions asked after its text was let go; undefined
 * (positions unknown, never wrong) once the file is no longer the one read: another size, time or inode.
 * The last file read again is kept, as reports often name several objects of one file.
 */
function rereader(file: string): (() => string | undefined) | undefined {
  let st: Stats;
  try {
    st = statSync(file);
  } catch {
    return undefined;
  }
  if (!st.isFile()) return undefined; // a pipe (-f <(helm template ...)) cannot be read twice
  const { size, mtimeMs, ino, dev } = st;
  const again = (): string | undefined => {
    if (lastReread?.again === again) return lastReread.text;
    try {
      const now = statSync(file);
      if (now.size !== size || now.mtimeMs !== mtimeMs || now.ino !== ino || now.dev !== dev) return undefined;
      const text = checkText(readBytes(file), file);
      lastReread = { again, text };
      return text;
    } catch {
      return undefined;
    }
  };
  return again;
}

let lastReread: { again: () => string | undefined; text: string } | undefined;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A document with each object reduced (slimRead), the items of Lists in place; positions follow (carryPositions). */
function slimDocument(value: unknown, lists: Set<unknown>, listKind?: string, listApiVersion?: unknown): unknown {
  if (!isObj(value)) return value;
  const kind = value.kind;
  if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(value.items)) {
    if (lists.has(value)) return value; // a List inside itself (a YAML alias): the model says so
    lists.add(value);
    const itemKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
    const items = value.items as unknown[];
    for (let i = 0; i < items.length; i++) items[i] = slimDocument(items[i], lists, itemKind, value.apiVersion);
    lists.delete(value);
    return value;
  }
  const kept = detached(slimRead(value, listKind, listApiVersion)) as Obj;
  carryPositions(value, kept);
  return kept;
}

/**
 * A copy of what is kept, with strings of its own. A string the YAML reader cut from the text is, in
 * V8, a slice that holds the whole text alive (a file of megabytes for one uid); copies of 13
 * characters and more (shorter ones are never slices) let the file's text go. Same keys, same shape:
 * positions carry over (positions.ts carryPositions).
 */
function detached(value: unknown): unknown {
  if (typeof value === 'string') return value.length < 13 ? value : (JSON.parse(JSON.stringify(value)) as string);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(detached);
  const out: Obj = {};
  for (const k of Object.keys(value)) {
    const v = detached((value as Obj)[k]);
    if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true }); // a key, not a prototype
    else out[k] = v;
  }
  return out;
}
