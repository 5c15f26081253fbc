/**
 * JSON (`kubectl get -o json`) read by JSON.parse, the fastest parser there is. Positions come from
 * the text afterwards, walking it in step with the parsed value: JSON has no line breaks inside
 * strings, so the walk only counts newlines between tokens and jumps over strings with indexOf.
 * That walk is deferred (positions.ts): at once only the top of the document and, for a List, where
 * each item starts; an item's own positions are recorded when something in it is first reported.
 *
 * Text that JSON.parse refuses (or a top-level scalar) returns undefined and is read as YAML, which
 * reports problems with their line. Duplicate keys: the last one wins, as in JSON.parse and Go's
 * encoding/json that kubectl uses (docs/semantics.md).
 */
import { MAX_DEPTH, tooDeep } from './limits.js';
import { deferPositions, recordMap, recordSeq } from './positions.js';
import { SourceText } from './source-text.js';
import type { ParsedDocument } from './parsed-document.js';

export function readJson(text: string, file: string, source: SourceText = new SourceText(text)): ParsedDocument[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const scan = new LineScan(text, file, source);
  scan.space();
  const { line } = scan;
  if (!Array.isArray(value) && Array.isArray((value as { items?: unknown }).items)) scan.top(value as Record<string, unknown>);
  else {
    scan.defer(value, 1);
    scan.skip(0); // checks the nesting: what JSON.parse accepts, the rest of podwall may not walk
  }
  return [{ value, file, line }];
}

const NEWLINE = 10;

class LineScan {
  p = 0;
  line = 1;
  constructor(
    private readonly t: string,
    private readonly file: string,
    private readonly source: SourceText,
  ) {}

  space(): void {
    const t = this.t;
    for (;;) {
      const c = t.charCodeAt(this.p);
      if (c === NEWLINE) this.line++;
      else if (c !== 32 && c !== 9 && c !== 13) return;
      this.p++;
    }
  }

  /** The value at the current position is a unit: its positions are recorded when asked for. */
  defer(v: unknown, depth: number): void {
    const { source, file, p, line } = this;
    if (v !== null && typeof v === 'object') {
      deferPositions(v, (unit) => {
        const t = source.get();
        if (t === undefined) return; // the file changed since it was read: its lines would be wrong
        const again = new LineScan(t, file, source);
        again.p = p;
        again.line = line;
        again.value(unit, depth);
      });
    }
  }

  /** The top of a List: its keys, and where each item starts; the items are units. */
  top(v: Record<string, unknown>): void {
    const t = this.t;
    const keys = new Map<string, number>();
    recordMap(v, this.line, keys);
    this.p++; // {
    for (;;) {
      this.space();
      if (t.charCodeAt(this.p) === 125) return;
      const line = this.line;
      const key = this.key();
      keys.set(key, line);
      this.space();
      this.p++; // :
      this.space();
      const child = v[key];
      if (key === 'items' && Array.isArray(child) && t.charCodeAt(this.p) === 91) {
        const items: number[] = [];
        recordSeq(child, this.line, items);
        this.p++;
        for (let i = 0; i < child.length; i++) {
          this.space();
          items.push(this.line);
          this.defer(child[i], 3);
          this.skip(2);
          this.space();
          this.p++; // , or ]
        }
        if (!child.length) {
          this.space();
          this.p++;
        }
      } else {
        this.defer(child, 2);
        this.skip(1);
      }
      this.space();
      if (t.charCodeAt(this.p++) === 125) return;
    }
  }

  /**
   * Moves past the value at the current position (`outer` levels deep), counting lines and refusing
   * nesting beyond MAX_DEPTH. Brackets and quotes are found with
   * indexOf, one search per kind, rather than by looking at every character: this is most of the
   * reading time of a large List.
   */
  skip(outer: number): void {
    const t = this.t;
    const start = this.p;
    const c = t.charCodeAt(start);
    if (c === 34) this.skipString();
    else if (c !== 123 && c !== 91) this.skipLiteral();
    else {
      const find = (ch: string, from: number): number => {
        const i = t.indexOf(ch, from);
        return i === -1 ? Infinity : i;
      };
      // one cursor per character, each searched again only once passed: every search scans new text
      let p = start;
      let quote = find('"', p);
      let brace = find('{', p);
      let bracket = find('[', p);
      let braceEnd = find('}', p);
      let bracketEnd = find(']', p);
      let depth = 0;
      for (;;) {
        const open = brace < bracket ? brace : bracket;
        const close = braceEnd < bracketEnd ? braceEnd : bracketEnd;
        if (quote < open && quote < close) {
          this.p = quote;
          this.skipString();
          p = this.p;
          quote = find('"', p);
          if (brace < p) brace = find('{', p);
          if (bracket < p) bracket = find('[', p);
          if (braceEnd < p) braceEnd = find('}', p);
          if (bracketEnd < p) bracketEnd = find(']', p);
        } else if (open < close) {
          if (++depth + outer > MAX_DEPTH) throw tooDeep(this.file, this.line + newlines(t, start, open));
          p = open + 1;
          if (open === brace) brace = find('{', p);
          else bracket = find('[', p);
        } else {
          p = close + 1;
          if (--depth === 0) break;
          if (close === braceEnd) braceEnd = find('}', p);
          else bracketEnd = find(']', p);
        }
      }
      this.p = p;
    }
    this.line += newlines(t, start, this.p);
  }

  private skipLiteral(): void {
    const t = this.t;
    for (;;) {
      const d = t.charCodeAt(this.p);
      if (d === 44 || d === 125 || d === 93 || d === 32 || d === NEWLINE || d === 13 || d === 9 || Number.isNaN(d)) return;
      this.p++;
    }
  }

  /**
   * Records the positions of `v`, which JSON.parse made from the text at the current position, or a
   * reduced copy of it (src/sources/slim.ts): what the copy does not hold is passed over.
   */
  value(v: unknown, depth: number): void {
    this.space();
    const t = this.t;
    const c = t.charCodeAt(this.p);
    if ((c === 123 || c === 91) && (v === null || typeof v !== 'object')) {
      this.skip(depth - 1);
      return;
    }
    if (c === 123 /* { */) {
      if (depth > MAX_DEPTH) throw tooDeep(this.file, this.line);
      const keys = new Map<string, number>();
      recordMap(v as object, this.line, keys);
      this.p++;
      this.space();
      if (t.charCodeAt(this.p) === 125 /* } */) {
        this.p++;
        return;
      }
      for (;;) {
        this.space();
        const keyLine = this.line;
        const key = this.key();
        keys.set(key, keyLine);
        this.space();
        this.p++; // the colon
        this.value((v as Record<string, unknown>)[key], depth + 1);
        this.space();
        if (t.charCodeAt(this.p++) === 125) return;
      }
    }
    if (c === 91 /* [ */) {
      if (depth > MAX_DEPTH) throw tooDeep(this.file, this.line);
      const items: number[] = [];
      recordSeq(v as unknown[], this.line, items);
      this.p++;
      this.space();
      if (t.charCodeAt(this.p) === 93 /* ] */) {
        this.p++;
        return;
      }
      for (let i = 0; ; i++) {
        this.space();
        items.push(this.line);
        this.value((v as unknown[])[i], depth + 1);
        this.space();
        if (t.charCodeAt(this.p++) === 93) return;
      }
    }
    if (c === 34) this.skipString();
    else this.skipLiteral();
  }

  /** The key string at the current position, unescaped only when it has escapes. */
  private key(): string {
    const start = this.p;
    this.skipString();
    const raw = this.t.slice(start + 1, this.p - 1);
    return raw.includes('\\') ? (JSON.parse(this.t.slice(start, this.p)) as string) : raw;
  }

  /** Moves past the string at the current position: to its closing quote, the one not escaped. */
  private skipString(): void {
    const t = this.t;
    let end = t.indexOf('"', this.p + 1);
    for (;;) {
      let backslashes = 0;
      while (t.charCodeAt(end - 1 - backslashes) === 92) backslashes++;
      if (backslashes % 2 === 0) break;
      end = t.indexOf('"', end + 1);
    }
    this.p = end + 1;
  }
}

function newlines(t: string, from: number, to: number): number {
  let n = 0;
  for (let nl = t.indexOf('\n', from); nl !== -1 && nl < to; nl = t.indexOf('\n', nl + 1)) n++;
  return n;
}
