// Hostile YAML and JSON: alias bombs, structures that contain themselves, undefined aliases, unknown
// directives, deep nesting, huge mappings and huge document counts. Each is refused (or read) quickly,
// with exit 2 and one message naming file and line, never a stack trace or an exhausted heap.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { podwall } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'podwall-faults-'));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Runs `explain` on the file as a user would; returns exit code, stderr and seconds taken. */
function run(file: string): { code: number; stderr: string; stdout: string; seconds: number } {
  const t = Date.now();
  const r = podwall(['matrix', '-f', file]);
  return { ...r, seconds: (Date.now() - t) / 1000 };
}

function assertRefused(file: string, line: number, message: RegExp): void {
  const r = run(file);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.ok(r.stderr.includes(`${file}:${line}:`), `names ${file}:${line}: ${r.stderr}`);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /internal error|Maximum call stack|    at /);
  assert.ok(r.seconds < 20, `took ${r.seconds} s`);
}

const NP_HEAD = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n';

describe('YAML budget and faults', () => {
  it('an undefined alias is an error, never "select every pod"', () => {
    assertRefused(write('typo.yaml', `${NP_HEAD}  podSelector: *typo\n  policyTypes: [Ingress]\n`), 5, /alias \*typo refers to no anchor/);
  });

  it('a plain alias bomb is refused by the alias budget', () => {
    let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i <= 9; i++) text += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
    assertRefused(write('bomb.yaml', text), 5, /aliases expand to more than 100000 nodes/);
  });

  it('kind: List nested through aliases (millions of objects from a few hundred bytes) is refused', () => {
    let text = 'apiVersion: v1\nkind: List\nitems:\n- &l0 {apiVersion: v1, kind: Pod, metadata: {name: p, namespace: x}}\n';
    for (let i = 1; i <= 7; i++) text += `- &l${i} {apiVersion: v1, kind: List, items: [${Array(10).fill(`*l${i - 1}`).join(', ')}]}\n`;
    assert.ok(text.length < 1000);
    assertRefused(write('list-nest.yaml', text), 9, /aliases expand to more than 100000 nodes/);
  });

  it('a List that contains itself is refused', () => {
    assertRefused(write('self.yaml', 'apiVersion: v1\nkind: List\nitems:\n- &l\n  apiVersion: v1\n  kind: List\n  items: [*l]\n'), 7, /inside the node it refers to/);
  });

  it('an unknown directive is an error', () => {
    assertRefused(write('directive.yaml', `%FOO bar\n---\n${NP_HEAD}  podSelector: {}\n`), 1, /Unknown directive %FOO/);
  });

  it('deep flow nesting is refused with its line, never a stack overflow', () => {
    assertRefused(write('deep-flow.yaml', `a: 1\nb: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`), 2, /nested more than 256 deep/);
  });

  it('deep block nesting is refused with its line', () => {
    let text = '';
    for (let i = 0; i < 400; i++) text += `${' '.repeat(i)}a:\n`;
    assertRefused(write('deep-block.yaml', text), 257, /nested more than 256 deep/);
  });

  it('deep JSON nesting is refused with its line', () => {
    const text = `{"kind": "Pod",\n "x": ${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}\n`;
    assertRefused(write('deep.json', text), 2, /nested more than 256 deep/);
  });

  it('a deep anchor reused through aliases is refused, as the nesting it expands to', () => {
    let text = 'a0: &a0 [x]\n';
    for (let i = 1; i <= 300; i++) text += `a${i}: &a${i} [*a${i - 1}]\n`;
    const r = run(write('deep-alias.yaml', text));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /deep-alias\.yaml:\d+: .*(nested more than 256 deep|aliases expand)/);
  });

  it('reading is linear in the keys of one mapping, in both readers', () => {
    const keys = Array.from({ length: 200_000 }, (_, i) => `key${i}: value${i}\n`).join('');
    const fast = run(write('many-keys.yaml', `${keys}`));
    assert.equal(fast.code, 0, fast.stderr);
    // an anchor sends the text to the complete reader, which used to compare every key with every other
    const fewer = Array.from({ length: 60_000 }, (_, i) => `key${i}: value${i}\n`).join('');
    const full = run(write('many-keys-full.yaml', `anchor: &a 1\n${fewer}`));
    assert.equal(full.code, 0, full.stderr);
    assert.ok(fast.seconds < 15 && full.seconds < 30, `fast ${fast.seconds} s, full ${full.seconds} s`);
  });

  it('a duplicate key is still an error in both readers, with its line', () => {
    assertRefused(write('dup.yaml', `${NP_HEAD}  podSelector: {}\n  podSelector: {matchLabels: {app: a}}\n`), 6, /Map keys must be unique/);
    assertRefused(write('dup-full.yaml', `${NP_HEAD}  x: &a 1\n  podSelector: {}\n  podSelector: {}\n`), 7, /Map keys must be unique/);
  });

  it('more than 125k documents in one file are read', () => {
    const r = run(write('many-docs.yaml', 'a: 1\n---\n'.repeat(130_000)));
    assert.equal(r.code, 0, r.stderr);
  });
});
