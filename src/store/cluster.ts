/**
 * The name of the cluster a history row belongs to, as every writer (audit, watch, flows summary) and
 * every reader (history, serve) spells it, so that rows are scoped by equality: `--cluster-name` as
 * given, an EKS cluster name (`audit --cluster`), a kubeconfig context, or the input files (their
 * paths as given, without `./` or a trailing slash, comma-separated).
 */
import { normalize } from 'node:path/posix';

/** One label part as recorded: a path is normalized; `cluster:X`, `cloudwatch:G` and names are kept. */
function part(p: string): string {
  const t = p.trim();
  return /^[a-z]+:/.test(t) ? t : normalize(t).replace(/(.)\/+$/, '$1');
}

/** The cluster name of a set of input files. */
export function filesCluster(files: readonly string[]): string {
  return files.map(part).join(',');
}

/** A label as recorded, comparable with another (each comma-separated part normalized). */
export function normalizedLabel(label: string): string {
  return label.split(',').map(part).join(',');
}

/**
 * The cluster of a run recorded before rows had one, from its label: `watch --record` wrote
 * `cluster:CONTEXT`; `audit --record` wrote its --cluster, its files or its --context, or
 * "live cluster" (a kubeconfig's current context, not named: no cluster).
 */
export function clusterOfRunLabel(label: string): string | null {
  if (label === 'live cluster' || label.trim() === '') return null;
  if (label.startsWith('cluster:')) return label.slice('cluster:'.length) || null;
  return normalizedLabel(label);
}
