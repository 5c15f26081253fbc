import { InputError, type SourceLocation } from './errors.js';
import { lineOf, settlePositions } from './positions.js';

/**
 * A position inside one parsed object: reads a field with the type Kubernetes expects, or fails
 * with an InputError naming file, line, object and the field's path.
 */
export class Cursor {
  constructor(
    readonly where: SourceLocation,
    readonly value: unknown,
    readonly path: string,
    private readonly parent?: unknown,
    private readonly key?: string | number,
    /** The cursor this one was reached from: deferred positions are settled along the way (positions.ts). */
    private readonly up?: Cursor,
  ) {}

  static root(value: unknown, where: SourceLocation): Cursor {
    return new Cursor(where, value, '');
  }

  get line(): number | undefined {
    return this.recorded() ?? (this.settle() ? this.recorded() : undefined) ?? this.where.line;
  }

  /** Settles the deferred positions of the values on the way here, outermost first. */
  private settle(): boolean {
    const way: unknown[] = [];
    for (let c: Cursor | undefined = this; c; c = c.up) way.push(c.value);
    let settled = false;
    for (let i = way.length - 1; i >= 0; i--) if (settlePositions(way[i])) settled = true;
    return settled;
  }

  private recorded(): number | undefined {
    return lineOf(this.parent, this.key) ?? lineOf(this.value);
  }

  location(): SourceLocation {
    return { ...this.where, line: this.line };
  }

  fail(message: string): never {
    const prefix = this.path ? `${this.path}: ` : '';
    throw new InputError(prefix + message, this.location());
  }

  get missing(): boolean {
    return this.value === undefined || this.value === null;
  }

  has(name: string): boolean {
    return !this.field(name).missing;
  }

  field(name: string): Cursor {
    const v = isRecord(this.value) ? this.value[name] : undefined;
    return new Cursor(this.where, v, this.path ? `${this.path}.${name}` : name, this.value, name, this);
  }

  object(): Record<string, unknown> {
    if (!isRecord(this.value)) this.fail(`expected an object, got ${describe(this.value)}`);
    return this.value;
  }

  optObject(): Record<string, unknown> | undefined {
    return this.missing ? undefined : this.object();
  }

  keys(): string[] {
    return this.missing ? [] : Object.keys(this.object());
  }

  /** The items of a list; a missing field is an empty list. */
  items(): Cursor[] {
    if (this.missing) return [];
    if (!Array.isArray(this.value)) this.fail(`expected a list, got ${describe(this.value)}`);
    return this.value.map((v, i) => new Cursor(this.where, v, `${this.path}[${i}]`, this.value, i, this));
  }

  string(): string {
    if (typeof this.value !== 'string') this.fail(this.missing ? 'is required' : `expected a string, got ${describe(this.value)}`);
    return this.value;
  }

  optString(): string | undefined {
    return this.missing ? undefined : this.string();
  }

  integer(): number {
    if (typeof this.value !== 'number' || !Number.isInteger(this.value)) {
      this.fail(this.missing ? 'is required' : `expected an integer, got ${describe(this.value)}`);
    }
    return this.value;
  }

  optInteger(): number | undefined {
    return this.missing ? undefined : this.integer();
  }

  boolean(): boolean {
    if (typeof this.value !== 'boolean') this.fail(`expected true or false, got ${describe(this.value)}`);
    return this.value;
  }

  /** A string-to-string map such as labels; values must be strings, as the API server demands. */
  stringMap(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const k of this.keys()) {
      const v: Cursor = this.field(k);
      if (typeof v.value !== 'string') v.fail(`expected a string value, got ${describe(v.value)} (quote it)`);
      out[k] = v.value;
    }
    return out;
  }

  /** Fails on any key not in `allowed`: a typo in a policy silently changes what it means. */
  onlyKeys(allowed: readonly string[]): void {
    for (const k of this.keys()) {
      if (!allowed.includes(k)) this.field(k).fail(`unknown field (expected one of: ${allowed.join(', ')})`);
    }
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined || v === null) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
}
