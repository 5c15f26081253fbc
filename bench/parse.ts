/**
 * The parse phase on realistic dumps (dump.ts), with the two reference parsers measured in the same
 * run on the same text: js-yaml for YAML (values only, no positions) and JSON.parse for JSON.
 * Run alone: `node dist/bench/parse.js [--size typical|large|extreme]`.
 */
import { loadAll } from 'js-yaml';
import { pathToFileURL } from 'node:url';
import { parseDocuments } from '../src/k8s/yaml.js';
import { generateDump } from './dump.js';
import { SHAPES, type Shape } from './generate.js';

/** The median of `runs` timings of `f`, in ms, each after a collection when --expose-gc is on. */
function time(f: () => unknown, runs = 3): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    gc?.();
    const t = performance.now();
    f();
    ms.push(performance.now() - t);
  }
  return ms.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

export function measureParse(shape: Shape, dump = generateDump(shape)): Record<string, unknown> {
  const yamlMs = time(() => parseDocuments(dump.yaml, 'dump.yaml'));
  const jsYamlMs = time(() => loadAll(dump.yaml));
  const jsonMs = time(() => parseDocuments(dump.json, 'dump.json'));
  const jsonParseMs = time(() => JSON.parse(dump.json));
  const mb = (s: string): number => Math.round((Buffer.byteLength(s) / 1048576) * 10) / 10;
  const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;
  return {
    dump_objects: dump.objects,
    dump_yaml_mb: mb(dump.yaml),
    parse_yaml_ms: Math.round(yamlMs),
    js_yaml_ms: Math.round(jsYamlMs),
    /** podwall's time over js-yaml's: <= 1 is at least as fast. */
    parse_yaml_vs_js_yaml: ratio(yamlMs, jsYamlMs),
    parse_yaml_mb_s: Math.round(mb(dump.yaml) / (yamlMs / 1000)),
    dump_json_mb: mb(dump.json),
    parse_json_ms: Math.round(jsonMs),
    json_parse_ms: Math.round(jsonParseMs),
    /** podwall's time over JSON.parse's. */
    parse_json_vs_json_parse: ratio(jsonMs, jsonParseMs),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--size');
  for (const size of i >= 0 ? [args[i + 1]!] : ['typical', 'large']) {
    const shape = SHAPES[size as Shape['workload']];
    if (!shape) throw new Error(`unknown size ${size}`);
    console.log(JSON.stringify({ workload: size, ...measureParse(shape) }));
  }
}
