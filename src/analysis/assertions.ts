/**
 * `podwall test`: assertion files that say which connections must be allowed or denied. A file has
 * `assertions:` and optionally inline `manifests:` used together with the -f inputs.
 */
import { Cursor } from '../k8s/cursor.js';
import { InputError, type Diagnostic } from '../k8s/errors.js';
import type { ParsedDocument } from '../k8s/yaml.js';
import { Engine } from '../engine/engine.js';
import { buildCluster, expandLists, type BuildOptions, type SourceObject } from '../model/build.js';
import type { Protocol } from '../model/cluster.js';
import { EndpointResolver, type Reference } from '../model/refs.js';
import { parseProtocol } from '../policy/fields.js';
import { outcomeText } from '../report/judgement.js';
import { summarize } from '../report/summary.js';
import { judge, type Judgement, type Outcome } from './judgement.js';

export interface Assertion {
  from: string;
  to: string;
  port: number | string;
  protocol: Protocol;
  expect: 'allow' | 'deny';
  line?: number;
}

export interface AssertionFile {
  file: string;
  assertions: Assertion[];
  manifests: SourceObject[];
}

export interface AssertionResult {
  file: string;
  line?: number;
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
  expect: 'allow' | 'deny';
  /** `mixed` (some pod pairs allowed, some denied) and `none` (no pod answers) never pass. */
  actual: Outcome;
  pass: boolean;
  reason: string;
  judgement: Judgement;
}

export function parseAssertionFile(docs: readonly ParsedDocument[], file: string): AssertionFile {
  const assertions: Assertion[] = [];
  const manifests: SourceObject[] = [];
  for (const doc of docs) {
    const root = Cursor.root(doc.value, { file, line: doc.line });
    root.object();
    if (!root.has('assertions')) root.fail('an assertion file needs a list of assertions: {from, to, port, protocol, expect}');
    manifests.push(...expandLists(root.field('manifests').items().map((m) => ({ value: m.value, file, line: m.line ?? doc.line }))));
    for (const a of root.field('assertions').items()) {
      a.object();
      const where = { ...a.location(), object: 'assertion' };
      const c = Cursor.root(a.value, where);
      c.onlyKeys(['from', 'to', 'port', 'protocol', 'expect', 'name', 'description']);
      const portCursor = c.field('port');
      const port = typeof portCursor.value === 'string' ? portCursor.string() : portCursor.integer();
      if (typeof port === 'number' && (port < 1 || port > 65535)) portCursor.fail(`port ${port} is out of range 1-65535`);
      const expectCursor = c.field('expect');
      const expect = expectCursor.string();
      if (expect !== 'allow' && expect !== 'deny') expectCursor.fail(`expect must be allow or deny, got ${JSON.stringify(expect)}`);
      assertions.push({
        from: String(c.field('from').string()),
        to: String(c.field('to').string()),
        port,
        protocol: parseProtocol(c.field('protocol')),
        expect: expect as 'allow' | 'deny',
        ...(a.line !== undefined ? { line: a.line } : {}),
      });
    }
  }
  return { file, assertions, manifests };
}

/** Runs one file's assertions against its inline manifests plus the shared inputs. */
export function runAssertions(file: AssertionFile, shared: readonly SourceObject[], options: BuildOptions = {}, warnings?: Diagnostic[]): AssertionResult[] {
  const cluster = buildCluster([...shared, ...file.manifests], options);
  warnings?.push(...cluster.warnings);
  const engine = new Engine(cluster);
  const resolver = new EndpointResolver(cluster);
  const fail = (message: string, line: number | undefined): never => {
    throw new InputError(message, { file: file.file, ...(line !== undefined ? { line } : {}), object: 'assertion' });
  };
  const resolve = (ref: string, line: number | undefined): Reference => {
    const r = resolver.reference(ref);
    return r.ok ? r.ref : fail(r.error, line);
  };
  return file.assertions.map((a) => {
    const from = resolve(a.from, a.line);
    const to = resolve(a.to, a.line);
    const r = judge(engine, from, to, a.port, a.protocol);
    if (!r.ok) return fail(r.error, a.line);
    const j = r.judgement;
    const example = j.outcome === 'allow' ? j.allowed : j.denied ?? j.allowed;
    const reason = j.outcome === 'none' ? j.notes.join('; ') || 'no pod answers' : j.pairs === 1 && example ? summarize(example) : `${outcomeText(j)}${example ? `; e.g. ${summarize(example)}` : ''}`;
    return {
      file: file.file,
      ...(a.line !== undefined ? { line: a.line } : {}),
      from: a.from,
      to: a.to,
      port: j.port,
      protocol: a.protocol,
      expect: a.expect,
      actual: j.outcome,
      pass: j.outcome === a.expect,
      reason,
      judgement: j,
    };
  });
}
