// The readers agree: the fast block-YAML reader and the JSON reader give the same values and the
// same line for every object, key and item as the complete YAML reader, on every manifest in the
// repository and on generated kubectl dumps; deferred positions are found when an error needs them.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generateDump } from '../../bench/dump.js';
import { readJson } from '../../src/k8s/json-reader.js';
import { lineOf } from '../../src/k8s/positions.js';
import { readYamlFast, resolvePlain } from '../../src/k8s/yaml-fast.js';
import { readYamlFully } from '../../src/k8s/yaml-full.js';
import type { ParsedDocument } from '../../src/k8s/yaml.js';
import { podwall, ROOT } from '../helpers.js';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const f = join(dir, e);
    return statSync(f).isDirectory() ? files(f) : /\.(ya?ml|json)$/.test(e) ? [f] : [];
  });
}

/** Every object, key and item with its line, in document order: what lineOf answers. */
function positions(docs: ParsedDocument[]): string[] {
  const out: string[] = [];
  const walk = (v: unknown, path: string): void => {
    if (v === null || typeof v !== 'object') return;
    out.push(`${path} @${lineOf(v)}`);
    for (const k of Object.keys(v)) {
      const key = Array.isArray(v) ? Number(k) : k;
      out.push(`${path}.${k} @${lineOf(v, key)}`);
      walk((v as Record<string, unknown>)[k], `${path}.${k}`);
    }
  };
  docs.forEach((d, i) => walk(d.value, `doc${i}@${d.line}`));
  return out;
}

function assertAgree(text: string, name: string, fast: ParsedDocument[] | undefined): boolean {
  if (!fast) return false;
  const full = readYamlFully(text, name);
  assert.deepEqual(fast.map((d) => d.value), full.map((d) => d.value), `${name}: values`);
  assert.deepEqual(positions(fast), positions(full), `${name}: lines`);
  return true;
}

const SMALL = { workload: 'typical' as const, namespaces: 6, pods: 60, policies: 24, clusterPolicies: 4 };

describe('the readers agree', () => {
  it('on every manifest in the repository', () => {
    let fast = 0;
    const all = [...files(join(ROOT, 'examples')), ...files(join(ROOT, 'test', 'conformance')), ...files(join(ROOT, 'test', 'fixtures'))];
    for (const f of all) {
      const text = readFileSync(f, 'utf8');
      if (assertAgree(text, f, (f.endsWith('.json') ? readJson(text, f) : undefined) ?? readYamlFast(text, f))) fast++;
    }
    // most of them take the fast road; the rest (folded and multi-line scalars) the complete one
    assert.ok(fast > all.length * 0.8, `${fast} of ${all.length} read fast`);
  });

  it('on kubectl dumps, YAML and JSON', () => {
    const dump = generateDump(SMALL);
    assert.ok(assertAgree(dump.yaml, 'dump.yaml', readYamlFast(dump.yaml, 'dump.yaml')), 'the YAML dump is read fast');
    assert.ok(assertAgree(dump.json, 'dump.json', readJson(dump.json, 'dump.json')), 'the JSON dump is read by JSON.parse');
  });

  it('on the scalars of the core schema, quoting, flow collections and literal blocks', () => {
    const text = [
      'a: [1, -2, +3, 0o17, 0x1F, 1.5, .5, 1e3, -.inf, .NaN, ~, null, Null, true, False, yes, no, on, 010, 1_000, "1", \'2\']',
      'b: {x: 1, "y": two, \'z\': [], w: {}, v: ::/0, u: a:b}',
      'c: "esc \\t \\" \\\\ \\u00e9 \\x41"',
      "d: 'it''s'",
      'e: |',
      '  line one',
      '    indented',
      '',
      'f: |-',
      '  kept',
      'g: |+',
      '  trail',
      '',
      'h: plain words # comment',
      'i: http://example.com/a#b',
      '"quoted key": 1',
      '? complex',
    ].join('\n');
    // the last line is not for the fast reader: everything before it is checked in a second text
    assert.equal(readYamlFast(text, 't.yaml'), undefined);
    const subset = text.slice(0, text.lastIndexOf('\n? complex'));
    assert.ok(assertAgree(subset + '\n', 't.yaml', readYamlFast(subset + '\n', 't.yaml')));
    assert.equal(resolvePlain('0x1F'), 31);
    assert.equal(resolvePlain('yes'), 'yes');
  });

  it('JSON with escapes in keys and brackets inside strings', () => {
    const json = '{\n  "kind": "List",\n  "items": [\n    {"a\\"b": "x}]{[", "k:{\\"n\\":1}": {}},\n    {\n      "c": [1, {"d": "e"}]\n    }\n  ]\n}\n';
    assert.ok(assertAgree(json, 't.json', readJson(json, 't.json')));
  });
});

describe('deferred positions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podwall-reader-'));
  const bad = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'broken', namespace: 'shop' }, spec: { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.300/8' } }] }] } };
  const good = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'shop' }, spec: { containers: [{ name: 'c', image: 'x' }] } };

  it('an error deep inside an item of a JSON List names its line', () => {
    const text = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [good, good, bad] }, null, 4);
    const line = text.split('\n').findIndex((l) => l.includes('"cidr"')) + 1;
    const file = join(dir, 'dump.json');
    writeFileSync(file, text);
    const r = podwall(['matrix', '-f', file]);
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.stderr.includes(`${file}:${line}: NetworkPolicy shop/broken: error: spec.egress[0].to[0].ipBlock.cidr: invalid CIDR`), r.stderr);
  });

  it('an error deep inside an item of a YAML List names its line', () => {
    const text = `apiVersion: v1\nitems:\n${[good, good, bad].map((o) => `- ${JSON.stringify(o)}`).join('\n')}\nkind: List\n`;
    const file = join(dir, 'dump.yaml');
    writeFileSync(file, text);
    const r = podwall(['matrix', '-f', file]);
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.stderr.includes(`${file}:5: NetworkPolicy shop/broken: error: spec.egress[0].to[0].ipBlock.cidr`), r.stderr);
  });
});
