/**
 * A fast reader for the YAML that kubectl, Helm and people write for Kubernetes: block mappings and
 * sequences, plain and quoted one-line scalars, literal block scalars (`|`, `|-`, `|+`), one-line flow
 * collections, comments and `---` separators. It walks the text line by line, so the line of every
 * object, key and item is known for free.
 *
 * It reads a subset exactly as the full reader (yaml-full.ts, YAML 1.2 core schema) would, and
 * nothing else: at the first construct outside that subset (anchors, aliases, tags, directives,
 * folded or multi-line scalars, multi-line flow collections, tabs as indentation, CRLF, duplicate
 * keys, anything invalid) it returns undefined and the full reader reads the whole text, reporting
 * any error as it always did. Tests hold both readers to the same values and lines.
 */
import { MAX_DEPTH, tooDeep } from './limits.js';
import { copyPositions, deferPositions, recordMap, recordSeq } from './positions.js';
import { SourceText } from './source-text.js';
import type { ParsedDocument } from './parsed-document.js';

/** Thrown (one shared instance, no stack) when the text leaves the subset. */
const OUTSIDE: unique symbol = Symbol('outside the fast subset');

export function readYamlFast(text: string, file: string, source: SourceText = new SourceText(text)): ParsedDocument[] | undefined {
  if (text.includes('\r') || text.charCodeAt(0) === 0xfeff) return undefined;
  try {
    return new FastReader(text, file, false, source).documents();
  } catch (e) {
    if (e === OUTSIDE) return undefined;
    throw e;
  }
}

const SPACE = 32;
const HASH = 35;
const DASH = 45;
const COLON = 58;

class FastReader {
  private readonly n: number;
  /** The current line: its start, its end (the newline or the text's end), its 1-based number. */
  private ls = 0;
  private le = 0;
  line = 1;
  /** Where the current node starts on the line, and its column (its indentation). */
  private cs = 0;
  private ind = 0;
  private eof = false;
  /** Reading the value of a document's `items`: its items are units of their own. */
  private inItems = false;
  /** The current document is a List: its top is recorded, its items and other values are units. */
  private list = false;

  /**
   * @param record record every position now; without it only the top of each document is
   * recorded, and each document and List item is a unit that reads its text again when asked.
   */
  constructor(
    private readonly t: string,
    private readonly file: string,
    private readonly record: boolean,
    /** The text again, for units settled later (it may have been let go and read again meanwhile). */
    private readonly source: SourceText,
  ) {
    this.n = t.length;
  }

  /** Starts reading at `cs`, inside the line that starts at `ls` (number `line`). */
  private resume(ls: number, cs: number, line: number): void {
    this.ls = ls;
    const le = this.t.indexOf('\n', ls);
    this.le = le === -1 ? this.n : le;
    this.cs = cs;
    this.ind = cs - ls;
    this.line = line;
  }

  /** Defers the positions of `value`, read from the current position as a node more indented than `parent`. */
  private unit(value: unknown, ls: number, cs: number, line: number, parent: number, depth: number): void {
    if (this.record || value === null || typeof value !== 'object') return;
    const { source, file } = this;
    deferPositions(value, (unit) => {
      const t = source.get();
      if (t === undefined) return; // the file changed since it was read: its lines would be wrong
      const again = new FastReader(t, file, true, source);
      again.resume(ls, cs, line);
      copyPositions(unit, again.node(parent, depth));
    });
  }

  documents(): ParsedDocument[] {
    const out: ParsedDocument[] = [];
    this.enter(0, 1);
    for (;;) {
      if (this.eof) return out;
      if (this.marker('---')) {
        this.expectEnd(this.ls + 3);
        this.next();
        continue;
      }
      if (this.marker('...')) throw OUTSIDE;
      const { line, ls, cs } = this;
      this.list = false;
      const value = this.node(-1, 1);
      if (!this.eof && !this.marker('---')) throw OUTSIDE; // something less indented than the document's root
      if (!this.list) this.unit(value, ls, cs, line, -1, 1); // one unit: a WeakMap entry costs more than a small document
      out.push({ value, file: this.file, line });
    }
  }

  // ---- lines ----

  /** Positions on the line starting at `start` (number `line`), skipping blank and comment-only lines. */
  private enter(start: number, line: number): void {
    const t = this.t;
    for (;;) {
      if (start >= this.n) {
        this.eof = true;
        this.ls = this.le = this.cs = this.n;
        this.ind = -1;
        this.line = line;
        return;
      }
      let le = t.indexOf('\n', start);
      if (le === -1) le = this.n;
      let i = start;
      while (t.charCodeAt(i) === SPACE) i++;
      const c = t.charCodeAt(i);
      if (c === 9) throw OUTSIDE; // a tab in the indentation
      if (i === le || c === HASH) {
        start = le + 1;
        line++;
        continue;
      }
      if (i === start && c === 37 /* % */) throw OUTSIDE; // a directive
      this.ls = start;
      this.le = le;
      this.cs = i;
      this.ind = i - start;
      this.line = line;
      return;
    }
  }

  private next(): void {
    this.enter(this.le + 1, this.line + 1);
  }

  /** Is the current line the document marker `m` (`---` or `...`) at column 0? */
  private marker(m: string): boolean {
    if (this.ind !== 0 || !this.t.startsWith(m, this.ls)) return false;
    const c = this.t.charCodeAt(this.ls + 3);
    return this.ls + 3 === this.le || c === SPACE || c === 9;
  }

  /** Only spaces and a comment may follow position `p` on the line. */
  private expectEnd(p: number): void {
    const t = this.t;
    while (p < this.le && t.charCodeAt(p) === SPACE) p++;
    if (p < this.le && !(t.charCodeAt(p) === HASH && t.charCodeAt(p - 1) === SPACE)) throw OUTSIDE;
  }

  private isDash(p: number): boolean {
    return this.t.charCodeAt(p) === DASH && (p + 1 === this.le || this.t.charCodeAt(p + 1) === SPACE);
  }

  // ---- block nodes ----

  /** The block node at the current position, more indented than `parent`. Leaves the line after it current. */
  private node(parent: number, depth: number): unknown {
    if (depth > MAX_DEPTH) throw tooDeep(this.file, this.line);
    if (this.isDash(this.cs)) return this.sequence(depth);
    if (this.keyEnd(this.cs) !== -1) return this.mapping(depth);
    return this.inline(this.cs, parent, depth);
  }

  private sequence(depth: number): unknown[] {
    const ind = this.ind;
    const arr: unknown[] = [];
    const units = this.inItems && depth === 2;
    this.inItems = false;
    const items: number[] = [];
    if (this.record || units) recordSeq(arr, this.line, items);
    while (!this.eof && this.ind === ind && this.isDash(this.cs)) {
      let p = this.cs + 1;
      while (p < this.le && this.t.charCodeAt(p) === SPACE) p++;
      if (p === this.le || this.t.charCodeAt(p) === HASH) {
        // the item starts on a later line
        this.next();
        if (this.eof || this.ind <= ind) throw OUTSIDE; // an empty item
      } else {
        this.cs = p;
        this.ind = p - this.ls;
      }
      const { line, ls, cs } = this;
      items.push(line);
      const item = this.node(ind, depth + 1);
      arr.push(item);
      if (units) this.unit(item, ls, cs, line, ind, depth + 1);
      if (!this.eof && this.ind > ind) throw OUTSIDE;
    }
    return arr;
  }

  private mapping(depth: number): Record<string, unknown> {
    const ind = this.ind;
    const obj: Record<string, unknown> = {};
    // the top of a List is recorded at once, its items and other values are units (see documents())
    const top = depth === 1 && !this.record;
    const keys = this.record || top ? new Map<string, number>() : undefined;
    if (this.record) recordMap(obj, this.line, keys!);
    const line = this.line;
    const values: [unknown, number, number, number][] = [];
    let list = false;
    while (!this.eof && this.ind === ind && !this.isDash(this.cs) && !this.marker('---')) {
      const colon = this.keyEnd(this.cs);
      if (colon === -1) throw OUTSIDE;
      const key = this.key(this.cs, colon);
      if (key === '<<' || key === '__proto__' || Object.hasOwn(obj, key)) throw OUTSIDE;
      keys?.set(key, this.line);
      const listItems = top && key === 'items';
      this.inItems = listItems;
      let p = colon + 1;
      while (p < this.le && this.t.charCodeAt(p) === SPACE) p++;
      let value: unknown = null;
      let at = { ls: this.ls, cs: p, line: this.line };
      if (p === this.le || this.t.charCodeAt(p) === HASH) {
        this.next();
        at = { ls: this.ls, cs: this.cs, line: this.line };
        if (!this.eof && (this.ind > ind || (this.ind === ind && this.isDash(this.cs)))) value = this.node(ind, depth + 1);
      } else {
        value = this.inline(p, ind, depth + 1);
      }
      obj[key] = value;
      if (listItems && Array.isArray(value)) list = true; // sequence() made its items units
      else if (top) values.push([value, at.ls, at.cs, at.line]);
      this.inItems = false;
      if (!this.eof && this.ind > ind) throw OUTSIDE;
    }
    if (list) {
      this.list = true;
      recordMap(obj, line, keys!);
      for (const [value, ls, cs, at] of values) this.unit(value, ls, cs, at, ind, depth + 1);
    }
    return obj;
  }

  /**
   * Where the implicit key starting at `p` ends: the index of its `:` (followed by a space or the
   * line's end), or -1 when the line holds no key there.
   */
  private keyEnd(p: number): number {
    const t = this.t;
    const c = t.charCodeAt(p);
    if (c === 34 /* " */ || c === 39 /* ' */) {
      const end = c === 34 ? this.doubleQuoteEnd(p) : this.singleQuoteEnd(p);
      if (end === -1) return -1;
      let q = end + 1;
      while (q < this.le && t.charCodeAt(q) === SPACE) q++;
      return t.charCodeAt(q) === COLON && (q + 1 === this.le || t.charCodeAt(q + 1) === SPACE) ? q : -1;
    }
    if (!plainStart(t, p, this.le)) return -1;
    // within the line only: searching the rest of the text would make reading quadratic
    for (let q = p + 1; q < this.le; q++) {
      const d = t.charCodeAt(q);
      if (d === COLON) {
        if (q + 1 === this.le || t.charCodeAt(q + 1) === SPACE) return q;
      } else if (d === HASH && t.charCodeAt(q - 1) === SPACE) return -1;
    }
    return -1;
  }

  private key(p: number, colon: number): string {
    const c = this.t.charCodeAt(p);
    if (c === 34) return this.doubleQuoted(p, this.doubleQuoteEnd(p));
    if (c === 39) return this.singleQuoted(p, this.singleQuoteEnd(p));
    return String(resolvePlain(this.t.slice(p, colon).trimEnd()));
  }

  /** A value that starts at `p` on the current line, of a node more indented than `parent`. Moves past it. */
  private inline(p: number, parent: number, depth: number): unknown {
    const t = this.t;
    const c = t.charCodeAt(p);
    let value: unknown;
    if (c === 124 /* | */) return this.literal(p, parent);
    if (c === 34) {
      const end = this.doubleQuoteEnd(p);
      if (end === -1) throw OUTSIDE;
      value = this.doubleQuoted(p, end);
      this.expectEnd(end + 1);
    } else if (c === 39) {
      const end = this.singleQuoteEnd(p);
      if (end === -1) throw OUTSIDE;
      value = this.singleQuoted(p, end);
      this.expectEnd(end + 1);
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      const flow = new FlowReader(t, p, this.le, this.line, this.file, this.record);
      value = flow.collection(depth);
      this.expectEnd(flow.p);
    } else {
      if (!plainStart(t, p, this.le)) throw OUTSIDE;
      let end = this.le;
      for (let q = p + 1; q < this.le; q++) {
        if (t.charCodeAt(q) === HASH && t.charCodeAt(q - 1) === SPACE) {
          end = q;
          break;
        }
      }
      const text = t.slice(p, end).trimEnd();
      if (text.includes(': ') || text.endsWith(':') || text.includes('\t')) throw OUTSIDE;
      value = resolvePlain(text);
    }
    this.next();
    // a more indented line after a one-line value: a continuation, or an error; either way not ours
    if (!this.eof && this.ind > parent) throw OUTSIDE;
    return value;
  }

  /** A literal block scalar (`|`, `|-`, `|+`, with an optional indentation digit) whose header is at `p`. */
  private literal(p: number, parent: number): string {
    const t = this.t;
    if (parent < 0) throw OUTSIDE; // a document that is one block scalar
    let q = p + 1;
    let chomp = 'clip';
    let explicit = 0;
    for (; q < this.le; q++) {
      const c = t.charCodeAt(q);
      if (c === DASH && chomp === 'clip') chomp = 'strip';
      else if (c === 43 /* + */ && chomp === 'clip') chomp = 'keep';
      else if (c >= 49 && c <= 57 && !explicit) explicit = c - 48;
      else break;
    }
    this.expectEnd(q);
    const base = Math.max(parent, 0);
    let indent = explicit ? base + explicit : 0;
    const lines: string[] = [];
    let start = this.le + 1;
    let line = this.line + 1;
    let trailing = 0; // empty lines after the last content line
    while (start < this.n) {
      let le = t.indexOf('\n', start);
      if (le === -1) le = this.n;
      let i = start;
      while (i < le && t.charCodeAt(i) === SPACE) i++;
      if (i === le) {
        // an empty line (spaces only): content only when longer than the indentation
        if (indent && le - start > indent) throw OUTSIDE;
        if (!indent && le - start > parent + 1 && lines.length === 0) throw OUTSIDE;
        lines.push('');
        trailing++;
      } else {
        const col = i - start;
        if (!indent) {
          if (col <= parent) break;
          indent = col;
        }
        if (col < indent) break;
        if (le === this.n) throw OUTSIDE; // no line break at the end of the text: chomping differs
        lines.push(t.slice(start + indent, le));
        trailing = 0;
      }
      start = le + 1;
      line++;
    }
    const content = lines.length - trailing;
    if (content === 0) throw OUTSIDE;
    // `start` is the first line not in the scalar (or the end); the trailing empty lines are behind us
    this.enter(start, line);
    const body = lines.slice(0, content).join('\n');
    if (chomp === 'strip') return body;
    if (chomp === 'keep') return body + '\n'.repeat(trailing + 1);
    return body + '\n';
  }

  // ---- quoted scalars (one line) ----

  /** The index of the closing quote of the double-quoted scalar at `p`, or -1 when not on this line. */
  private doubleQuoteEnd(p: number): number {
    const t = this.t;
    for (let q = p + 1; q < this.le; q++) {
      const c = t.charCodeAt(q);
      if (c === 92 /* \ */) q++;
      else if (c === 34) return q;
    }
    return -1;
  }

  private singleQuoteEnd(p: number): number {
    return singleQuoteEnd(this.t, p, this.le);
  }

  private doubleQuoted(p: number, end: number): string {
    const raw = this.t.slice(p + 1, end);
    return raw.includes('\\') ? unescapeDouble(raw) : raw;
  }

  private singleQuoted(p: number, end: number): string {
    return this.t.slice(p + 1, end).replaceAll("''", "'");
  }
}

/** One-line flow collections: `{}`, `[]`, `{app: web}`, `[Ingress, Egress]`, `{"a": [1, 2]}`. */
class FlowReader {
  constructor(
    private readonly t: string,
    public p: number,
    private readonly le: number,
    private readonly line: number,
    private readonly file: string,
    private readonly record: boolean,
  ) {}

  private space(): void {
    while (this.p < this.le && this.t.charCodeAt(this.p) === SPACE) this.p++;
    if (this.p >= this.le) throw OUTSIDE; // a flow collection over several lines
  }

  collection(depth: number): unknown {
    if (depth > MAX_DEPTH) throw tooDeep(this.file, this.line);
    const t = this.t;
    if (t.charCodeAt(this.p) === 91) {
      const arr: unknown[] = [];
      const items: number[] = [];
      if (this.record) recordSeq(arr, this.line, items);
      this.p++;
      for (;;) {
        this.space();
        if (t.charCodeAt(this.p) === 93) {
          this.p++;
          return arr;
        }
        items.push(this.line);
        arr.push(this.value(depth + 1));
        this.space();
        const c = t.charCodeAt(this.p++);
        if (c === 93) return arr;
        if (c !== 44) throw OUTSIDE; // `[a: b]` and anything else
      }
    }
    const obj: Record<string, unknown> = {};
    const keys = this.record ? new Map<string, number>() : undefined;
    if (keys) recordMap(obj, this.line, keys);
    this.p++;
    for (;;) {
      this.space();
      if (t.charCodeAt(this.p) === 125) {
        this.p++;
        return obj;
      }
      const k = this.value(depth + 1, true);
      if (typeof k === 'object' && k !== null) throw OUTSIDE;
      const key = String(k);
      if (key === '<<' || key === '__proto__' || Object.hasOwn(obj, key)) throw OUTSIDE;
      keys?.set(key, this.line);
      this.space();
      let c = t.charCodeAt(this.p);
      if (c === COLON) {
        this.p++;
        this.space();
        c = t.charCodeAt(this.p);
        obj[key] = c === 44 || c === 125 ? null : this.value(depth + 1);
        this.space();
        c = t.charCodeAt(this.p);
      } else obj[key] = null;
      this.p++;
      if (c === 125) return obj;
      if (c !== 44) throw OUTSIDE;
    }
  }

  private value(depth: number, isKey = false): unknown {
    const t = this.t;
    const c = t.charCodeAt(this.p);
    if (c === 91 || c === 123) {
      if (isKey) throw OUTSIDE;
      return this.collection(depth);
    }
    if (c === 34) {
      let q = this.p + 1;
      for (; q < this.le; q++) {
        const d = t.charCodeAt(q);
        if (d === 92) q++;
        else if (d === 34) break;
      }
      if (q >= this.le) throw OUTSIDE;
      const raw = t.slice(this.p + 1, q);
      this.p = q + 1;
      return raw.includes('\\') ? unescapeDouble(raw) : raw;
    }
    if (c === 39) {
      const q = singleQuoteEnd(t, this.p, this.le);
      if (q === -1) throw OUTSIDE;
      const s = t.slice(this.p + 1, q).replaceAll("''", "'");
      this.p = q + 1;
      return s;
    }
    if (!plainStart(t, this.p, this.le)) throw OUTSIDE;
    // a plain scalar ends at `,` `[` `]` `{` `}`, at `: ` or `:` before one of those, or at ` #`
    let q = this.p;
    for (; q < this.le; q++) {
      const d = t.charCodeAt(q);
      if (d === 44 || d === 91 || d === 93 || d === 123 || d === 125) break;
      if (d === COLON) {
        const e = t.charCodeAt(q + 1);
        if (q + 1 === this.le || e === SPACE || e === 44 || e === 91 || e === 93 || e === 123 || e === 125) break;
      }
      if (d === HASH && t.charCodeAt(q - 1) === SPACE) throw OUTSIDE;
      if (d === 9) throw OUTSIDE;
    }
    const text = t.slice(this.p, q).trimEnd();
    this.p = q;
    return resolvePlain(text);
  }
}

/** The closing quote of the single-quoted scalar at `p` (`''` is an escaped quote), or -1 when not before `le`. */
function singleQuoteEnd(t: string, p: number, le: number): number {
  for (let q = p + 1; q < le; q++) {
    if (t.charCodeAt(q) === 39) {
      if (t.charCodeAt(q + 1) !== 39) return q;
      q++;
    }
  }
  return -1;
}

/**
 * Can a plain scalar start at `p`? Not with an indicator, except `-`, `?` and `:` before a non-space.
 * (The fast reader leaves `?` starts to the full reader.)
 */
function plainStart(t: string, p: number, le: number): boolean {
  if (p >= le) return false;
  switch (t.charCodeAt(p)) {
    case 44: case 91: case 93: case 123: case 125: // , [ ] { }
    case 35: case 38: case 42: case 33: case 124: case 62: // # & * ! | >
    case 39: case 34: case 37: case 64: case 96: // ' " % @ `
    case 63: case 32: case 9: // ? space tab
      return false;
    case DASH:
    case COLON:
      return p + 1 < le && t.charCodeAt(p + 1) !== SPACE;
    default:
      return true;
  }
}

const INT = /^[-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;

/** A plain scalar's value under the YAML 1.2 core schema, as the `yaml` library resolves it. */
export function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0);
  // most plain scalars are words: only these first characters can start anything but a string
  if (!(c === 126 || c === 110 || c === 78 || c === 116 || c === 84 || c === 102 || c === 70 || c === 43 || c === 45 || c === 46 || (c >= 48 && c <= 57)) && s.length) return s;
  switch (s) {
    case '':
    case '~':
    case 'null':
    case 'Null':
    case 'NULL':
      return null;
    case 'true':
    case 'True':
    case 'TRUE':
      return true;
    case 'false':
    case 'False':
    case 'FALSE':
      return false;
  }
  if (/^0o[0-7]+$/.test(s)) return parseInt(s.slice(2), 8);
  if (INT.test(s)) return parseInt(s, 10);
  if (/^0x[0-9a-fA-F]+$/.test(s)) return parseInt(s.slice(2), 16);
  if (FLOAT_NAN.test(s)) return s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (FLOAT_EXP.test(s) || FLOAT.test(s)) return parseFloat(s);
  return s;
}

const ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b',
  ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029',
};

function unescapeDouble(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = raw[++i]!;
    const simple = ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      continue;
    }
    const len = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    const hex = raw.slice(i + 1, i + 1 + len);
    if (!len || hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) throw OUTSIDE;
    out += String.fromCodePoint(parseInt(hex, 16));
    i += len;
  }
  return out;
}
