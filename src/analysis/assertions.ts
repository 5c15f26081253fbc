/**
 * `podwall test`: assertion files that say which connections must be allowed or denied. A file has
 * `assertions:` and optionally inline `manifests:` used together with the -f inputs.
 */
import { Cursor } from '../k8s/cursor.js';
import { InputError, type Diagnostic } from '../k8s/errors.js';
import type { ParsedDocument } from '../k8s/yaml.js';
import { Engine } from '../engine/engine.js';
import { summarize } from '../engine/verdict-text.js';
import { buildCluster, expandLists, type BuildOptions, type SourceObject } from '../model/build.js';
import type { Cluster } from '../model/cluster.js';
import type { Protocol } from '../net/protocol.js';
import { EndpointResolver, type Reference } from '../model/refs.js';
import { parseProtocol } from '../policy/fields.js';
import type { Comparison } from '../eks/compare.js';
import { makeDecider, type Dataplane } from './deciders.js';
import { judge, type Judgement, type Outcome } from './judgement.js';
import { outcomeText } from './outcome-text.js';
import type { Compute } from '../eks/types.js';

export type { Dataplane };

/** How a run decides: the data plane when neither file nor assertion pins one, and the EKS behaviour for a cluster. */
export interface RunOptions {
  dataplane: Dataplane;
  eks(cluster: Cluster): { version: string; compute: Compute; controller?: string };
  /** The namespace of bare references (`api`, `svc/api`), as kubectl's `-n`. */
  namespace?: string;
}

export interface Assertion {
  from: string;
  to: string;
  port: number | string;
  protocol: Protocol;
  expect: 'allow' | 'deny';
  /** Pinned by the assertion (else the file, else the run). */
  dataplane?: Dataplane;
  line?: number;
}

export interface AssertionFile {
  file: string;
  assertions: Assertion[];
  manifests: SourceObject[];
  /** `dataplane:` at the top of the file. */
  dataplane?: Dataplane;
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
  dataplane: Dataplane;
  judgement: Judgement;
  /** On the EKS data plane: the example pair's verdicts on both planes and the mechanisms where they differ. */
  comparison?: Comparison;
}

export function parseAssertionFile(docs: readonly ParsedDocument[], file: string): AssertionFile {
  const assertions: Assertion[] = [];
  const manifests: SourceObject[] = [];
  let dataplane: Dataplane | undefined;
  for (const doc of docs) {
    const root = Cursor.root(doc.value, { file, line: doc.line });
    root.object();
    if (!root.has('assertions')) root.fail('an assertion file needs a list of assertions: {from, to, port, protocol, expect}');
    if (root.has('dataplane')) dataplane = parseDataplaneField(root.field('dataplane'));
    manifests.push(...expandLists(root.field('manifests').items().map((m) => ({ value: m.value, file, line: m.line ?? doc.line }))));
    for (const a of root.field('assertions').items()) {
      a.object();
      const where = { ...a.location(), object: 'assertion' };
      const c = Cursor.root(a.value, where);
      c.onlyKeys(['from', 'to', 'port', 'protocol', 'expect', 'name', 'description', 'dataplane']);
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
        ...(c.has('dataplane') ? { dataplane: parseDataplaneField(c.field('dataplane')) } : {}),
        ...(a.line !== undefined ? { line: a.line } : {}),
      });
    }
  }
  return { file, assertions, manifests, ...(dataplane ? { dataplane } : {}) };
}

function parseDataplaneField(c: Cursor): Dataplane {
  const v = c.string();
  if (v !== 'eks' && v !== 'kubernetes') c.fail(`dataplane must be eks or kubernetes, got ${JSON.stringify(v)}`);
  return v;
}

/** Runs one file's assertions against its inline manifests plus the shared inputs, each on its data plane. */
export function runAssertions(file: AssertionFile, shared: readonly SourceObject[], options: BuildOptions = {}, run?: RunOptions, warnings?: Diagnostic[]): AssertionResult[] {
  const cluster = buildCluster([...shared, ...file.manifests], options);
  warnings?.push(...cluster.warnings);
  const engine = new Engine(cluster);
  const deciders = new Map<Dataplane, ReturnType<typeof makeDecider>>();
  const decider = (d: Dataplane): ReturnType<typeof makeDecider> => {
    let x = deciders.get(d);
    if (!x) deciders.set(d, (x = makeDecider(engine, d, () => (run ? run.eks(cluster) : { version: 'v1.4.1', compute: 'auto' }))));
    return x;
  };
  const resolver = new EndpointResolver(cluster);
  const fail = (message: string, line: number | undefined): never => {
    throw new InputError(message, { file: file.file, ...(line !== undefined ? { line } : {}), object: 'assertion' });
  };
  const resolve = (ref: string, line: number | undefined): Reference => {
    const r = resolver.reference(ref, run?.namespace);
    return r.ok ? r.ref : fail(r.error, line);
  };
  return file.assertions.map((a) => {
    const from = resolve(a.from, a.line);
    const to = resolve(a.to, a.line);
    const dataplane = a.dataplane ?? file.dataplane ?? run?.dataplane ?? 'eks';
    const r = judge(decider(dataplane), from, to, a.port, a.protocol);
    if (!r.ok) return fail(r.error, a.line);
    const j = r.judgement;
    const example = j.outcome === 'allow' ? j.allowed : j.denied ?? j.allowed;
    const cmp = example === j.allowed ? j.allowedComparison : j.deniedComparison;
    const differs = cmp && !cmp.agree ? `EKS differs from the specification (${cmp.mechanisms.join(', ') || 'unexplained'}); the specification: ` : '';
    const reason = j.outcome === 'none' ? j.notes.join('; ') || 'no pod answers' : j.pairs === 1 && example ? differs + summarize(example) : `${outcomeText(j)}${example ? `; e.g. ${differs}${summarize(example)}` : ''}`;
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
      dataplane,
      judgement: j,
      ...(cmp ? { comparison: cmp } : {}),
    };
  });
}
