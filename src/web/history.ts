/**
 * The history view: recorded audit runs, flow summaries and their incident figures, only those of the
 * cluster being served. Each row records its cluster (src/store/cluster.ts names it alike for every
 * writer: the `--cluster-name`, an EKS cluster name, the kubeconfig context, or the input files), and a
 * row belongs to the served cluster when that name is equal. Rows that name no cluster (recorded
 * before rows had one, or flow summaries recorded without a cluster) belong to it when their label
 * names it: the cluster, `cluster:CONTEXT` as `watch` wrote it, the input files, or the flow logs
 * being served.
 */
import { filesCluster, normalizedLabel } from '../store/cluster.js';
import { ok, type ApiResponse } from './api-response.js';

export interface ClusterScope {
  /** The name shown: the --cluster-name, the kubeconfig context, or the input files. */
  cluster: string;
  source: 'flag' | 'context' | 'files';
  /** Labels of recorded rows that belong to this cluster. */
  labels: string[];
  /** One sentence for the page: which rows are shown and why. */
  note: string;
}

export interface RecordedIncidents {
  at: string;
  label: string;
  count: number;
  open: number;
  mttrMs?: number;
}

/** What the history database holds for the served cluster (already scoped). */
export interface HistorySource {
  runs(): { at: string; label: string; kpis: unknown }[];
  flows(): { at: string; label: string; summary: unknown }[];
  incidents(): RecordedIncidents[];
}

export function clusterScope(name: { flag?: string; context?: string; files?: string[]; flows?: string[] }): ClusterScope {
  const flows = name.flows?.length ? [name.flows.join(',')] : [];
  const older = `; of the rows that name no cluster (recorded before podwall named clusters), those labelled ${flows.length ? 'so, or with the logs being served' : 'so'}`;
  if (name.flag) {
    return { cluster: name.flag, source: 'flag', labels: [name.flag, `cluster:${name.flag}`, ...flows], note: `history recorded for cluster ${name.flag} (--cluster-name)${older}` };
  }
  if (name.context) {
    return { cluster: name.context, source: 'context', labels: [name.context, `cluster:${name.context}`, ...flows], note: `history recorded for kubeconfig context ${name.context}${older}` };
  }
  const files = filesCluster(name.files ?? []);
  return { cluster: files, source: 'files', labels: [files, ...flows], note: `history recorded for the same input files (${files})${older}; give --cluster-name to name a cluster` };
}

/** Does a recorded row's label belong to the scope? */
export function inScope(label: string, scope: ClusterScope): boolean {
  const mine = new Set(scope.labels.map(normalizedLabel));
  return mine.has(normalizedLabel(label));
}

export function historyView(history: HistorySource | undefined, scope: ClusterScope | undefined): ApiResponse {
  const incidents = (history?.incidents() ?? []).map((i) => ({ at: i.at, label: i.label, count: i.count, open: i.open, mttrSeconds: i.mttrMs === undefined ? null : Math.round(i.mttrMs / 1000) }));
  return ok({
    cluster: scope?.cluster ?? null,
    clusterSource: scope?.source ?? null,
    scopeNote: scope?.note ?? 'no history database',
    runs: history?.runs() ?? [],
    flows: history?.flows() ?? [],
    incidents,
  });
}

/** The summary's incident figures: those of the latest recorded flow summary of this cluster. */
export function incidentSummary(history: HistorySource | undefined): { count: number; open: number; mttrSeconds: number | null; source: string } | null {
  const list = history?.incidents() ?? [];
  const last = list[list.length - 1];
  if (!last) return null;
  return { count: last.count, open: last.open, mttrSeconds: last.mttrMs === undefined ? null : Math.round(last.mttrMs / 1000), source: `flow summary recorded ${last.at} (${last.label})` };
}
