import { Composer, isAlias, isMap, isScalar, isSeq, LineCounter, Parser, type Document, type Node } from 'yaml';
import { InputError } from './errors.js';

/**
 * YAML/JSON documents become plain JS values; every object and array keeps the line it starts on,
 * and the line of each of its keys, so later validation can point at the exact field.
 */
const objectLines = new WeakMap<object, number>();
const keyLines = new WeakMap<object, Map<string | number, number>>();
const objectFiles = new WeakMap<object, string>();

export function lineOf(value: unknown, key?: string | number): number | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (key !== undefined) {
    const line = keyLines.get(value)?.get(key);
    if (line !== undefined) return line;
  }
  return objectLines.get(value);
}

export function fileOf(value: unknown): string | undefined {
  return value !== null && typeof value === 'object' ? objectFiles.get(value) : undefined;
}

export interface ParsedDocument {
  value: unknown;
  file: string;
  line: number;
}

/** Parses a multi-document YAML (or JSON) text; syntax errors are InputErrors naming file and line. */
export function parseDocuments(text: string, file: string): ParsedDocument[] {
  const lineCounter = new LineCounter();
  const out: ParsedDocument[] = [];
  // One document at a time: a large dump never holds every syntax tree at once.
  const composer = new Composer({ prettyErrors: false, uniqueKeys: true });
  const tokens = new Parser(lineCounter.addNewLine).parse(text);
  for (const doc of composer.compose(tokens, true)) {
    const problem = doc.errors[0];
    if (problem) {
      const line = lineCounter.linePos(problem.pos[0]).line;
      throw new InputError(`invalid YAML: ${firstLine(problem.message)}`, { file, line });
    }
    if (doc.contents === null) continue; // an empty document between `---` separators
    const converter = new Converter(doc, lineCounter, file);
    const value = converter.convert(doc.contents as Node);
    const line = doc.contents.range ? lineCounter.linePos(doc.contents.range[0]).line : 1;
    out.push({ value, file, line });
  }
  return out;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}

class Converter {
  private readonly seen = new Map<Node, unknown>();
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly file: string,
  ) {}

  private line(node: Node | null | undefined): number | undefined {
    return node?.range ? this.lines.linePos(node.range[0]).line : undefined;
  }

  convert(node: Node | null | undefined): unknown {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return this.convert(node.resolve(this.doc) as Node | undefined);
    const cached = this.seen.get(node);
    if (cached !== undefined) return cached;
    if (isScalar(node)) return node.value;
    if (isSeq(node)) {
      const arr: unknown[] = [];
      this.remember(node, arr);
      const keys = new Map<number, number>();
      node.items.forEach((item, i) => {
        arr.push(this.convert(item as Node));
        const l = this.line(item as Node);
        if (l !== undefined) keys.set(i, l);
      });
      keyLines.set(arr, keys);
      return arr;
    }
    if (isMap(node)) {
      const obj: Record<string, unknown> = {};
      this.remember(node, obj);
      const keys = new Map<string, number>();
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        const key = keyNode && isScalar(keyNode) ? String(keyNode.value) : String(this.convert(keyNode));
        if (key === '<<') {
          // YAML merge keys: copy the merged mapping's entries that are not set here
          const merged = this.convert(pair.value as Node);
          for (const source of Array.isArray(merged) ? merged : [merged]) {
            if (source && typeof source === 'object') for (const [k, v] of Object.entries(source)) if (!(k in obj)) obj[k] = v;
          }
          continue;
        }
        obj[key] = this.convert(pair.value as Node);
        const l = this.line(keyNode);
        if (l !== undefined) keys.set(key, l);
      }
      keyLines.set(obj, keys);
      return obj;
    }
    return null;
  }

  private remember(node: Node, value: object): void {
    this.seen.set(node, value);
    const l = this.line(node);
    if (l !== undefined) objectLines.set(value, l);
    objectFiles.set(value, this.file);
  }
}
