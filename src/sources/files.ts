/** Inputs from the file system and stdin: files, directories (recursive), and `-`. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../k8s/errors.js';
import { parseDocuments, type ParsedDocument } from '../k8s/yaml.js';

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

export interface ReadOptions {
  /** Reads stdin once; injectable so tests need no real stdin. */
  readStdin?: () => string;
}

/** Expands `-f` arguments into the list of files to read, in a stable order. */
export function expandPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push('-');
      continue;
    }
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new InputError('no such file or directory', { file: p });
    }
    if (st.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else if (MANIFEST_EXTENSIONS.some((ext) => entry.name.endsWith(ext))) out.push(full);
  }
  return out;
}

export function readText(file: string, options: ReadOptions = {}): string {
  if (file === '-') return (options.readStdin ?? (() => readFileSync(0, 'utf8')))();
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file });
  }
}

export function readDocuments(paths: readonly string[], options: ReadOptions = {}): ParsedDocument[] {
  const docs: ParsedDocument[] = [];
  for (const file of expandPaths(paths)) {
    // a loop, not push(...spread): a file of more than ~125k documents would overflow the stack
    for (const doc of parseDocuments(readText(file, options), file === '-' ? '<stdin>' : file)) docs.push(doc);
  }
  return docs;
}
