/**
 * The complete YAML reader (the `yaml` library): anchors and aliases, tags, directives, flow and
 * folded scalars over several lines, syntax errors with their line. The fast reader hands it every
 * text it does not fully understand. It is loaded on first use: most inputs never need it, and
 * loading it costs a quarter of a second of start-up.
 *
 * Its budget: collections at most MAX_DEPTH deep (checked on the syntax tree, iteratively, before
 * anything recursive runs), aliases at most MAX_ALIAS_NODES nodes in total, an alias inside the node
 * it names, an undefined alias or an unknown directive is an error.
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import { InputError } from './errors.js';
import { MAX_ALIAS_NODES, MAX_DEPTH, tooDeep, tooManyAliasNodes } from './limits.js';
import { recordMap, recordSeq } from './positions.js';
import type { ParsedDocument } from './parsed-document.js';

let library: typeof Yaml | undefined;
function yaml(): typeof Yaml {
  library ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return library;
}

export function readYamlFully(text: string, file: string): ParsedDocument[] {
  const { Composer, LineCounter, Parser } = yaml();
  const lines = new LineCounter();
  const out: ParsedDocument[] = [];
  const budget = { aliasNodes: 0 };
  // uniqueKeys is checked by the converter with a Map: the library's own check is quadratic in the keys of a mapping
  const composer = new Composer({ prettyErrors: false, uniqueKeys: false });
  function* checked(tokens: Iterable<Yaml.CST.Token>): Generator<Yaml.CST.Token> {
    for (const token of tokens) {
      checkDepth(token, file, lines);
      yield token;
    }
  }
  // One document at a time: a large dump never holds every syntax tree at once.
  for (const doc of composer.compose(checked(new Parser(lines.addNewLine).parse(text)), true)) {
    const problem = doc.errors[0];
    if (problem) throw new InputError(`invalid YAML: ${firstLine(problem.message)}`, { file, line: lines.linePos(problem.pos[0]).line });
    const directive = doc.warnings.find((w) => w.code === 'BAD_DIRECTIVE');
    if (directive) throw new InputError(`invalid YAML: ${firstLine(directive.message)} (only %YAML and %TAG exist)`, { file, line: lines.linePos(directive.pos[0]).line });
    if (doc.contents === null) continue; // an empty document between `---` separators
    const value = new Converter(doc, lines, file, budget).convert(doc.contents as Yaml.Node, 0);
    const line = doc.contents.range ? lines.linePos(doc.contents.range[0]).line : 1;
    out.push({ value, file, line });
  }
  return out;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}

/** Refuses syntax trees deeper than MAX_DEPTH before the library's recursive composer sees them. */
function checkDepth(root: Yaml.CST.Token, file: string, lines: Yaml.LineCounter): void {
  const stack: [Yaml.CST.Token | undefined, number][] = [[root, 0]];
  while (stack.length) {
    const [token, depth] = stack.pop()!;
    if (!token) continue;
    if (token.type === 'document') stack.push([token.value, depth]);
    else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      if (depth >= MAX_DEPTH) throw tooDeep(file, lines.linePos(token.offset).line);
      for (const item of token.items) {
        stack.push([item.value, depth + 1]);
        if ('key' in item) stack.push([item.key ?? undefined, depth + 1]);
      }
    }
  }
}

class Converter {
  /** Converted collections: an alias yields the same object, never a copy. */
  private readonly seen = new Map<Yaml.Node, unknown>();
  /** How many nodes each anchored node stands for, aliases inside it expanded. */
  private readonly sizes = new Map<Yaml.Node, number>();
  /** How deep each anchored node reaches below itself, aliases inside it expanded. */
  private readonly heights = new Map<Yaml.Node, number>();
  private readonly open = new Set<Yaml.Node>();
  private nodes = 0;
  /** The deepest level reached so far. */
  private reached = 0;

  constructor(
    private readonly doc: Yaml.Document,
    private readonly lines: Yaml.LineCounter,
    private readonly file: string,
    private readonly budget: { aliasNodes: number },
  ) {}

  private line(node: Yaml.Node | null | undefined): number | undefined {
    return node?.range ? this.lines.linePos(node.range[0]).line : undefined;
  }

  convert(node: Yaml.Node | null | undefined, depth: number): unknown {
    const { isAlias, isMap, isScalar, isSeq } = yaml();
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return this.alias(node, depth);
    const cached = this.seen.get(node);
    if (cached !== undefined) return cached;
    this.nodes++;
    if (isScalar(node)) return node.value;
    const before = this.nodes;
    const reachedBefore = this.reached;
    this.reached = depth;
    if (node.anchor) this.open.add(node);
    let result: unknown = null;
    if (isSeq(node)) {
      const arr: unknown[] = [];
      const items: number[] = [];
      this.seen.set(node, arr);
      recordSeq(arr, this.line(node) ?? 1, items);
      node.items.forEach((item, i) => {
        arr.push(this.convert(item as Yaml.Node, depth + 1));
        items[i] = this.line(item as Yaml.Node) ?? items[i - 1] ?? 1;
      });
      result = arr;
    } else if (isMap(node)) {
      const obj: Record<string, unknown> = {};
      const keys = new Map<string, number>();
      this.seen.set(node, obj);
      recordMap(obj, this.line(node) ?? 1, keys);
      for (const pair of node.items) {
        const keyNode = pair.key as Yaml.Node | null;
        const key = keyNode && isScalar(keyNode) ? String(keyNode.value) : String(this.convert(keyNode, depth + 1));
        if (key === '<<') {
          // YAML merge keys: copy the merged mapping's entries that are not set here
          const merged = this.convert(pair.value as Yaml.Node, depth + 1);
          for (const source of Array.isArray(merged) ? merged : [merged]) {
            if (source && typeof source === 'object') for (const [k, v] of Object.entries(source)) if (!(k in obj)) define(obj, k, v);
          }
          continue;
        }
        const keyLine = this.line(keyNode) ?? this.line(node) ?? 1;
        if (keys.has(key)) throw new InputError(`invalid YAML: Map keys must be unique (${JSON.stringify(key)} is also on line ${keys.get(key)})`, { file: this.file, line: keyLine });
        define(obj, key, this.convert(pair.value as Yaml.Node, depth + 1));
        keys.set(key, keyLine);
      }
      result = obj;
    }
    if (node.anchor) {
      this.open.delete(node);
      this.sizes.set(node, this.nodes - before + 1);
      this.heights.set(node, this.reached - depth);
    }
    this.reached = Math.max(reachedBefore, this.reached);
    return result;
  }

  /** An alias counts as every node it stands for, against the file's budget; it never copies. */
  private alias(node: Yaml.Alias, depth: number): unknown {
    const target = node.resolve(this.doc) as Yaml.Node | undefined;
    const line = this.line(node);
    if (!target) throw new InputError(`invalid YAML: alias *${node.source} refers to no anchor &${node.source} before it`, { file: this.file, ...(line !== undefined ? { line } : {}) });
    if (this.open.has(target)) throw new InputError(`invalid YAML: alias *${node.source} is inside the node it refers to (a structure that contains itself)`, { file: this.file, ...(line !== undefined ? { line } : {}) });
    const size = this.sizes.get(target) ?? 1;
    this.budget.aliasNodes += size;
    this.nodes += size;
    if (this.budget.aliasNodes > MAX_ALIAS_NODES) throw tooManyAliasNodes(this.file, line);
    const reaches = depth + (this.heights.get(target) ?? 0);
    if (reaches > MAX_DEPTH) throw tooDeep(this.file, line);
    this.reached = Math.max(this.reached, reaches);
    return this.convert(target, depth);
  }
}

/** A plain own property, even for `__proto__`, which an assignment would turn into the prototype. */
function define(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}
