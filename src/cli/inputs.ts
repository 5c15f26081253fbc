import type { Command } from 'commander';
import { formatDiagnostic, type Diagnostic } from '../k8s/errors.js';
import { buildCluster, expandLists, type BuildOptions, type SourceObject } from '../model/build.js';
import type { Cluster, EnforcingMode } from '../model/cluster.js';
import type { Protocol } from '../net/protocol.js';
import { PROTOCOLS } from '../net/protocol.js';
import { readDocuments } from '../sources/files.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, defaultClusterAvailable, LiveReader, loadKubeConfig, parseRequestTimeout } from '../sources/live.js';
import { UsageError, type CliIO } from './io.js';

export interface InputFlags {
  filename?: string[];
  enforcingMode?: string;
  kubeconfig?: string;
  context?: string;
  requestTimeout?: string;
}

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The flags every command that reads a cluster takes. */
export function addInputOptions(cmd: Command): Command {
  return cmd
    .option('-f, --filename <path>', 'manifests: a file, a directory (recursive), or - for stdin; repeatable', collect)
    .option('--kubeconfig <path>', 'read a live cluster with this kubeconfig (default without -f: $KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('--context <name>', 'the kubeconfig context of the live cluster to read')
    .option('--request-timeout <duration>', `the longest one request to the live cluster may take, as kubectl's (e.g. 30s, 2m; 0 for no limit)`, `${DEFAULT_REQUEST_TIMEOUT_MS / 1000}s`)
    .option('--enforcing-mode <mode>', 'the EKS agent\'s pod default: standard (allow) or strict (deny); default: from the aws-node DaemonSet, else standard');
}

export function buildOptions(flags: InputFlags): BuildOptions {
  if (flags.enforcingMode === undefined) return {};
  if (flags.enforcingMode !== 'standard' && flags.enforcingMode !== 'strict') {
    throw new UsageError(`--enforcing-mode must be standard or strict, got ${JSON.stringify(flags.enforcingMode)}`);
  }
  return { enforcingMode: flags.enforcingMode as EnforcingMode };
}

/**
 * The objects of manifest files, each reduced to what the model is built from (sources/slim.ts
 * slimRead); `whole` keeps them as written, for a command that writes them back (snapshot).
 */
export function readObjects(paths: readonly string[], io: CliIO, read: { whole?: boolean } = {}): SourceObject[] {
  const onFile = io.progress ? (name: string, i: number, n: number): void => io.progress!.step(n > 1 ? `reading ${name} (file ${i + 1} of ${n})` : `reading ${name}`) : undefined;
  const warn = (d: Diagnostic): void => {
    io.progress?.end();
    io.err(`${formatDiagnostic(d)}\n`);
  };
  return expandLists(readDocuments(paths, { readStdin: () => io.readStdin(), warn, slim: !read.whole, ...(onFile ? { onFile } : {}) }));
}

/** Should this run read a live cluster? When asked to, or, as kubectl does, when nothing else is given. */
export function wantsLive(flags: InputFlags, io: CliIO): boolean {
  return Boolean(flags.kubeconfig || flags.context) || (!flags.filename?.length && defaultClusterAvailable(io.env));
}

/** Files and a live cluster, combined: e.g. `diff --context prod --to ./proposed/`. */
export async function readInputs(flags: InputFlags, io: CliIO, read: { whole?: boolean } = {}): Promise<SourceObject[]> {
  let objects = flags.filename?.length ? readObjects(flags.filename, io, read) : [];
  if (wantsLive(flags, io)) {
    io.progress?.step('reading the cluster');
    const reader = await liveReader(flags);
    // concat, not unshift(...): a large cluster has more objects than a call takes arguments
    objects = (await reader.readAll()).objects.concat(objects);
  }
  if (!flags.filename?.length && !wantsLive(flags, io)) throw new UsageError('no input: give manifests with -f FILE|DIR|-, or a cluster with --kubeconfig/--context');
  return objects;
}

/** The live cluster the flags name, read with the flags' request timeout. */
export async function liveReader(flags: InputFlags): Promise<LiveReader> {
  const timeout = flags.requestTimeout === undefined ? DEFAULT_REQUEST_TIMEOUT_MS : parseRequestTimeout(flags.requestTimeout);
  if (timeout === undefined) throw new UsageError(`--request-timeout ${JSON.stringify(flags.requestTimeout)}: expected 0 or a duration with its unit, such as 30s, 2m or 1h`);
  const kc = await loadKubeConfig({ ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}), ...(flags.context ? { context: flags.context } : {}) });
  return new LiveReader(kc, { requestTimeoutMs: timeout });
}

export async function loadCluster(flags: InputFlags, io: CliIO): Promise<Cluster> {
  const objects = await readInputs(flags, io);
  io.progress?.step('building the model');
  const cluster = buildCluster(objects, buildOptions(flags));
  io.progress?.end();
  return cluster;
}

export function parsePortFlag(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535) throw new UsageError(`--port must be a number 1-65535, got ${JSON.stringify(v)}`);
  return Number(v);
}

export function parseProtocolFlag(v: string | undefined): Protocol {
  const p = (v ?? 'TCP').toUpperCase();
  if (!PROTOCOLS.includes(p as Protocol)) throw new UsageError(`--protocol must be TCP, UDP or SCTP, got ${JSON.stringify(v)}`);
  return p as Protocol;
}

export function parseOutput<T extends string>(v: string | undefined, allowed: readonly T[]): T {
  const o = (v ?? allowed[0]!) as T;
  if (!allowed.includes(o)) throw new UsageError(`-o must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return o;
}

/** Warnings about the inputs go to stderr, never into results. */
export function printWarnings(cluster: Cluster, io: CliIO): void {
  if (cluster.warnings.length) io.progress?.end();
  for (const w of cluster.warnings) io.err(`${w.file}${w.line ? `:${w.line}` : ''}: ${w.object ?? ''}: warning: ${w.message}\n`);
}
