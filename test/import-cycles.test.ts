// Imports run one way (docs/architecture.md): a folder of src/ imports only the folders below it, and no file
// of src/ imports, directly or through others, a file that imports it. Imports are read with TypeScript's own scanner, so type-only imports, re-exports and
// import() calls (the commands main.ts loads on demand, `import('...').Name` in a type) count as well.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { ROOT } from './helpers.js';

interface SourceFile {
  /** Relative to the root, with forward slashes. */
  path: string;
  text: string;
}

/** file -> the files of `files` it imports (a relative specifier ending in .js names the .ts beside it). */
function importGraph(files: readonly SourceFile[]): Map<string, Set<string>> {
  const known = new Set(files.map((f) => f.path));
  const graph = new Map<string, Set<string>>();
  for (const f of files) {
    const targets = new Set<string>();
    for (const { fileName } of ts.preProcessFile(f.text, true, true).importedFiles) {
      if (!fileName.startsWith('.')) continue; // a package or a node: module
      const target = join(dirname(f.path), fileName.replace(/\.js$/, '.ts')).split('\\').join('/');
      if (known.has(target)) targets.add(target);
    }
    graph.set(f.path, targets);
  }
  return graph;
}

/** The files that import each other in a loop: strongly connected components of more than one file, or a file importing itself. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)!.has(v)) found.push(component.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

function sourcesUnder(dir: string): SourceFile[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourcesUnder(p);
    return e.name.endsWith('.ts') ? [{ path: relative(ROOT, p).split('\\').join('/'), text: readFileSync(p, 'utf8') }] : [];
  });
}

/** src/'s folders from the top down, as docs/architecture.md orders them; folders on one step import none of each other. */
const LAYERS: readonly (readonly string[])[] = [
  ['ci'],
  ['cli'],
  ['web'],
  ['report'],
  ['metrics', 'sources'],
  ['store'],
  ['audit'],
  ['analysis', 'incidents', 'advise'],
  ['eks', 'flows'],
  ['engine'],
  ['model'],
  ['policy'],
  ['k8s', 'net', 'faults'],
];

/** The folders `layers` does not place, and each import from one folder to another that is not below it. */
function againstLayers(graph: Map<string, Set<string>>, layers: readonly (readonly string[])[]): { unplaced: string[]; upward: string[] } {
  const step = new Map(layers.flatMap((names, i) => names.map((n) => [n, i] as const)));
  const folder = (path: string): string => path.split('/')[1]!;
  const unplaced = new Set([...graph.keys()].map(folder).filter((f) => !step.has(f)));
  const upward: string[] = [];
  for (const [a, targets] of graph) {
    for (const b of targets) {
      const from = step.get(folder(a));
      const to = step.get(folder(b));
      if (folder(a) !== folder(b) && from !== undefined && to !== undefined && to <= from) upward.push(`${a} -> ${b}`);
    }
  }
  return { unplaced: [...unplaced].sort(), upward: upward.sort() };
}

/** Each loop with the imports that close it, file -> file, as a reader would look for them. */
function describeCycles(graph: Map<string, Set<string>>, found: string[][]): string {
  return found.map((c) => `${c.join(', ')}\n${c.flatMap((a) => [...graph.get(a)!].filter((b) => c.includes(b)).map((b) => `  ${a} -> ${b}`)).join('\n')}`).join('\n');
}

describe('imports run one way', () => {
  it('finds a loop closed by a type-only import, a re-export or an import() call, and none once it is opened', () => {
    const files = (lastImport: string): SourceFile[] => [
      { path: 'src/a.ts', text: "import type { B } from './sub/b.js';\nexport const a = 1;" },
      { path: 'src/sub/b.ts', text: "export { c } from '../c.js';\nexport type B = number;" },
      { path: 'src/c.ts', text: `import { readFileSync } from 'node:fs';\nexport const c = async () => ${lastImport};` },
      { path: 'src/d.ts', text: "import { a } from './a.js';\nexport const d = a;" },
    ];
    const closed = importGraph(files("(await import('./a.js')).a"));
    assert.deepEqual(cycles(closed), [['src/a.ts', 'src/c.ts', 'src/sub/b.ts']]);
    assert.deepEqual(cycles(importGraph(files('readFileSync'))), []);
    const typeQuery = importGraph([
      { path: 'src/a.ts', text: "export type A = import('./b.js').B;" },
      { path: 'src/b.ts', text: "import type { A } from './a.js';\nexport type B = A[];" },
    ]);
    assert.deepEqual(cycles(typeQuery), [['src/a.ts', 'src/b.ts']]);
  });

  it('in src/: no file imports, directly or through others, a file that imports it', () => {
    const graph = importGraph(sourcesUnder(join(ROOT, 'src')));
    // the scanner read the tree, not nothing: every command is reached from main.ts, which loads them with import()
    assert.ok(graph.size > 100, `${graph.size} files read under src/`);
    assert.ok(graph.get('src/cli/main.ts')!.has('src/cli/matrix.ts'), 'main.ts loads the matrix command with import()');
    const found = cycles(graph);
    assert.deepEqual(found, [], `imports that run in circles (move what both sides share into a file of its own):\n${describeCycles(graph, found)}`);
  });

  it('finds an import up a step or along one, and a folder the order does not place', () => {
    const graph = importGraph([
      { path: 'src/top/a.ts', text: "import { b } from '../low/b.js';\nexport const a = b;" },
      { path: 'src/low/b.ts', text: "import type { C } from '../side/c.js';\nexport const b = 1;" },
      { path: 'src/side/c.ts', text: "export type C = number;\nexport const c = async () => (await import('../top/a.js')).a;" },
      { path: 'src/new/d.ts', text: 'export const d = 1;' },
    ]);
    assert.deepEqual(againstLayers(graph, [['top'], ['low', 'side']]), { unplaced: ['new'], upward: ['src/low/b.ts -> src/side/c.ts', 'src/side/c.ts -> src/top/a.ts'] });
    assert.deepEqual(againstLayers(graph, [['top'], ['low'], ['side'], ['new']]), { unplaced: [], upward: ['src/side/c.ts -> src/top/a.ts'] });
  });

  it('in src/: a folder imports only the folders below it, in the order docs/architecture.md gives', () => {
    const graph = importGraph(sourcesUnder(join(ROOT, 'src')));
    assert.ok(graph.get('src/model/build.ts')!.has('src/policy/networkpolicy.ts'), 'the model compiles the policies: an arrow between folders is read');
    const { unplaced, upward } = againstLayers(graph, LAYERS);
    assert.deepEqual(unplaced, [], 'folders of src/ the order does not place: give each its step here and in docs/architecture.md');
    assert.deepEqual(upward, [], `imports that do not run down (move what both sides share into the lower folder):\n${upward.join('\n')}`);
  });
});
