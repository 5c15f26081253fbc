/**
 * `podwall test`: assertion files that say which connections must be allowed or denied. A file has
 * `assertions:` and optionally inline `manifests:` used together with the -f inputs.
 */
import { Cursor } from '../k8s/cursor.js';
import { InputError } from '../k8s/errors.js';
import type { ParsedDocument } from '../k8s/yaml.js';
import { Engine } from '../engine/engine.js';
import type { Endpoint } from '../engine/endpoint.js';
import type { Verdict } from '../engine/verdict.js';
import { buildCluster, expandLists, type BuildOptions, type SourceObject } from '../model/build.js';
import type { Cluster, Protocol } from '../model/cluster.js';
import { EndpointResolver } from '../model/refs.js';
import { parseProtocol } from '../policy/fields.js';
import { summarize } from '../report/summary.js';
import { Dataplanes, type Comparison } from '../eks/compare.js';
import type { Compute } from '../eks/types.js';

export type Dataplane = 'eks' | 'kubernetes';

/** How a run decides: the data plane when neither file nor assertion pins one, and the EKS behaviour for a cluster. */
export interface RunOptions {
  dataplane: Dataplane;
  eks(cluster: Cluster): { version: string; compute: Compute };
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
  actual: 'allow' | 'deny';
  pass: boolean;
  reason: string;
  dataplane: Dataplane;
  /** The specification's verdict (on both data planes: it carries the chain of tiers and rules). */
  verdict: Verdict;
  /** On the EKS data plane: both verdicts and the mechanisms where they differ. */
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

/** Runs one file's assertions against its inline manifests plus the shared inputs. */
export function runAssertions(file: AssertionFile, shared: readonly SourceObject[], options: BuildOptions = {}, run?: RunOptions): AssertionResult[] {
  const cluster = buildCluster([...shared, ...file.manifests], options);
  const engine = new Engine(cluster);
  let planes: Dataplanes | undefined;
  const eks = (): Dataplanes => (planes ??= new Dataplanes(cluster, run ? run.eks(cluster) : { version: 'v1.4.1', compute: 'auto' }));
  const resolver = new EndpointResolver(cluster);
  const resolve = (ref: string, line: number | undefined): Endpoint => {
    const r = resolver.resolve(ref);
    if (!r.ok) throw new InputError(r.error, { file: file.file, ...(line !== undefined ? { line } : {}), object: 'assertion' });
    return r.endpoint;
  };
  return file.assertions.map((a) => {
    const from = resolve(a.from, a.line);
    const to = resolve(a.to, a.line);
    const port = resolvePort(a, to, file.file);
    const dataplane = a.dataplane ?? file.dataplane ?? run?.dataplane ?? 'eks';
    const conn = { from, to, port, protocol: a.protocol };
    const comparison = dataplane === 'eks' ? eks().compare(conn) : undefined;
    const verdict = comparison?.kubernetes ?? engine.decide(conn);
    const allowed = comparison ? comparison.eks.allowed : verdict.allowed;
    const actual = allowed ? 'allow' : 'deny';
    return {
      file: file.file,
      ...(a.line !== undefined ? { line: a.line } : {}),
      from: a.from,
      to: a.to,
      port,
      protocol: a.protocol,
      expect: a.expect,
      actual,
      pass: actual === a.expect,
      reason: comparison && !comparison.agree ? `EKS differs from the specification (${comparison.mechanisms.join(', ') || 'unexplained'}); the specification: ${summarize(verdict)}` : summarize(verdict),
      dataplane,
      verdict,
      ...(comparison ? { comparison } : {}),
    };
  });
}

/** A named port in an assertion is looked up on the destination pod. */
function resolvePort(a: Assertion, to: Endpoint, file: string): number {
  if (typeof a.port === 'number') return a.port;
  const cp = to.kind === 'pod' ? to.pod.ports.find((p) => p.name === a.port && p.protocol === a.protocol) : undefined;
  if (!cp) throw new InputError(`port ${JSON.stringify(a.port)}: ${a.to} has no ${a.protocol} container port of that name`, { file, ...(a.line !== undefined ? { line: a.line } : {}), object: 'assertion' });
  return cp.port;
}
