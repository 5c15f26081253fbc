/**
 * A cluster too large for one dump file, dumped as its users dump it: `kubectl get -n NS -o yaml` per
 * namespace (its Pods, workloads, Services and policies) and the cluster-scoped objects (Namespaces,
 * Nodes, cluster policies) apart, each file a `kind: List` under the 256 MiB a manifest file may have.
 * The extreme cluster (150,000 pods) is about 700 MB of YAML (1.7 GB of JSON) that way, in 10,001 files.
 * measureDumpFiles times the parse phase file by file against js-yaml and JSON.parse on the same text,
 * then `audit -o json` and `matrix -o csv -n ns0` on the directory through the real command line (e2e.ts
 * measureEndToEndDir: wall and CPU seconds, peak RSS), with the load average. `-n` narrows the matrix's walk to
 * the namespace's rows and columns, so its figure is the one namespace's (matrix_scope says so), not the
 * whole matrix's, which on the extreme cluster is 150,000 pods squared and no run finishes.
 * Run alone: `node --expose-gc dist/bench/dump-files.js [--size extreme] [--dir DIR] [--keep] [--reuse]
 * [--no-parse] [--no-e2e] [--no-audit] [--eks] [--fraction F]` (--eks: the EKS matrix of ns0 too; --no-audit: no audit;
 * --fraction 0.1: the same shape with a tenth of its namespaces, pods and NetworkPolicies, and the same cluster policies,
 * the "tenth of extreme" the README's figures compare with).
 */
import { loadAll } from 'js-yaml';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseDocuments } from '../src/k8s/yaml.js';
import { MAX_MANIFEST_BYTES } from '../src/sources/files.js';
import { dumpItems } from './dump.js';
import { measureEndToEndDir } from './e2e.js';
import { generateYaml, SHAPES, type Shape } from './generate.js';

export interface DumpFiles {
  /** DIR/yaml and DIR/json hold the same objects, one file per namespace and one for the cluster-scoped ones. */
  yaml: string;
  json: string;
  files: number;
  objects: number;
  yamlBytes: number;
  jsonBytes: number;
  largestFileBytes: number;
  generateS: number;
}

export function writeDumpFiles(shape: Shape, dir: string): DumpFiles {
  const t = performance.now();
  const yamlDir = join(dir, 'yaml');
  const jsonDir = join(dir, 'json');
  mkdirSync(yamlDir, { recursive: true });
  mkdirSync(jsonDir, { recursive: true });
  // the minimal cluster's documents by namespace; cluster-scoped ones (no namespace) apart
  const byNamespace = new Map<string, string[]>();
  const clusterScoped: string[] = [];
  for (const doc of generateYaml(shape).split('---\n')) {
    const ns = /\n {2}namespace: (\S+)\n/.exec(doc)?.[1];
    if (!ns) clusterScoped.push(doc);
    else {
      const docs = byNamespace.get(ns);
      if (docs) docs.push(doc);
      else byNamespace.set(ns, [doc]);
    }
  }
  const make = dumpItems(shape);
  const out: DumpFiles = { yaml: yamlDir, json: jsonDir, files: 0, objects: 0, yamlBytes: 0, jsonBytes: 0, largestFileBytes: 0, generateS: 0 };
  const write = (name: string, items: Record<string, unknown>[]): void => {
    const { yaml, json } = make.list(items);
    const y = Buffer.byteLength(yaml);
    const j = Buffer.byteLength(json);
    if (Math.max(y, j) > MAX_MANIFEST_BYTES) throw new Error(`${name}: ${Math.max(y, j)} bytes, more than a manifest file may have`);
    writeFileSync(join(yamlDir, `${name}.yaml`), yaml);
    writeFileSync(join(jsonDir, `${name}.json`), json);
    out.files++;
    out.objects += items.length;
    out.yamlBytes += y;
    out.jsonBytes += j;
    out.largestFileBytes = Math.max(out.largestFileBytes, y, j);
  };
  const clusterItems = make.items(clusterScoped);
  for (let i = 0; i < make.nodeCount; i++) clusterItems.push(make.node(i));
  write('cluster-scoped', clusterItems);
  for (const [ns, docs] of byNamespace) write(`namespace-${ns}`, make.items(docs));
  out.generateS = Math.round((performance.now() - t) / 100) / 10;
  return out;
}

/** Parse phases over every file of a dump directory, each against its reference parser on the same text. */
export function measureParseFiles(d: DumpFiles): Record<string, unknown> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const phase = (dir: string, parse: (text: string, name: string) => unknown): number => {
    let ms = 0;
    for (const name of readdirSync(dir).sort()) {
      const text = readFileSync(join(dir, name), 'utf8');
      const t = performance.now();
      parse(text, name);
      ms += performance.now() - t;
    }
    gc?.();
    return ms;
  };
  const yamlMs = phase(d.yaml, (text, name) => parseDocuments(text, name));
  const jsYamlMs = phase(d.yaml, (text) => loadAll(text));
  const jsonMs = phase(d.json, (text, name) => parseDocuments(text, name));
  const jsonParseMs = phase(d.json, (text) => JSON.parse(text));
  const mb = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;
  const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;
  return {
    dump_files: d.files,
    dump_objects: d.objects,
    dump_yaml_mb: mb(d.yamlBytes),
    dump_largest_file_mb: mb(d.largestFileBytes),
    parse_yaml_ms: Math.round(yamlMs),
    js_yaml_ms: Math.round(jsYamlMs),
    parse_yaml_vs_js_yaml: ratio(yamlMs, jsYamlMs),
    parse_yaml_mb_s: Math.round(mb(d.yamlBytes) / (yamlMs / 1000)),
    dump_json_mb: mb(d.jsonBytes),
    parse_json_ms: Math.round(jsonMs),
    json_parse_ms: Math.round(jsonParseMs),
    parse_json_vs_json_parse: ratio(jsonMs, jsonParseMs),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const arg = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const size = arg('--size') ?? 'extreme';
  const whole = SHAPES[size as Shape['workload']];
  if (!whole) throw new Error(`unknown size ${size}`);
  const fraction = Number(arg('--fraction') ?? 1);
  if (!(fraction > 0 && fraction <= 1)) throw new Error(`--fraction must be in (0, 1], got ${arg('--fraction')}`);
  const shape = scaled(whole, fraction);
  const dir = arg('--dir') ?? join(tmpdir(), `podwall-dump-${size}`);
  const d = statSync(join(dir, 'yaml'), { throwIfNoEntry: false }) && args.includes('--reuse') ? reuse(dir) : writeDumpFiles(shape, dir);
  const parse = args.includes('--no-parse') ? { dump_files: d.files } : measureParseFiles(d);
  const e2e = args.includes('--no-e2e') ? {} : measureEndToEndDir(d.yaml, 'ns0', { audit: !args.includes('--no-audit'), eks: args.includes('--eks') });
  console.log(JSON.stringify({ workload: `${size}${fraction === 1 ? '' : `-x${fraction}`}-dump-files`, generate_s: d.generateS, ...parse, ...e2e, load: Math.round(loadavg()[0]! * 10) / 10 }));
  if (!args.includes('--keep')) rmSync(dir, { recursive: true, force: true });
}

/** The shape with `fraction` of its namespaces, pods and NetworkPolicies (cluster policies as they are: they are few). */
function scaled(shape: Shape, fraction: number): Shape {
  if (fraction === 1) return shape;
  const part = (n: number): number => Math.max(1, Math.round(n * fraction));
  return { ...shape, namespaces: part(shape.namespaces), pods: part(shape.pods), policies: part(shape.policies) };
}

/** A directory written before (--reuse): its sizes read back. */
function reuse(dir: string): DumpFiles {
  const sizes = (sub: string): number[] => readdirSync(join(dir, sub)).map((n) => statSync(join(dir, sub, n)).size);
  const y = sizes('yaml');
  const j = sizes('json');
  return { yaml: join(dir, 'yaml'), json: join(dir, 'json'), files: y.length, objects: NaN, yamlBytes: y.reduce((a, b) => a + b, 0), jsonBytes: j.reduce((a, b) => a + b, 0), largestFileBytes: Math.max(...y, ...j), generateS: 0 };
}
