/**
 * What every view of the dashboard's API is given (api.ts makes it, graph.ts and denied.ts read it): the served
 * cluster and what is derived from it once, the data plane it is served on, and when the graph starts folded.
 */
import type { Decider } from '../analysis/deciders.js';
import type { MatrixDataplane, WorkloadNode } from '../analysis/matrix.js';
import type { AuditResult } from '../audit/run.js';
import type { Engine } from '../engine/engine.js';
import type { OutsideWorld } from '../engine/outside.js';
import type { Dataplanes } from '../eks/compare.js';
import type { Cluster } from '../model/cluster.js';
import type { EndpointResolver, Reference } from '../model/refs.js';
import type { EksContext } from '../report/dataplanes.js';
import type { DiffOverlay } from './diff.js';
import type { FlowSource } from './flows.js';
import type { ClusterScope, HistorySource } from './history.js';
import type { Progress } from './progress.js';

/** The data plane the server answers for, as `--dataplane` chose it (the CLI resolves the EKS version). */
export type DashboardDataplane = { name: 'kubernetes'; text: string } | { name: 'eks'; version: string; compute: 'auto' | 'ec2'; controller?: string; text: string; context: EksContext };

export interface DashboardState {
  cluster: Cluster;
  /** Absent in a dashboard worker, which answers only the heavy views (server.ts). */
  audit?: AuditResult;
  proposed?: Cluster;
  history?: HistorySource;
  source: string;
  dataplane?: DashboardDataplane;
  /** Which cluster history and flows belong to, and how that was decided. */
  scope?: ClusterScope;
  /** `serve --flows LOGS`: the observed flows, attributed (a FlowIndex). */
  flows?: FlowSource;
  /** Served from a live cluster that is watched: `/api/events` streams its changes. */
  live?: boolean;
}

/** Above this many workloads the graph starts folded into namespaces. */
export const FOLD_ABOVE = 300;

/** The served EKS data plane as the matrices take it. */
export function planeOf(d: DashboardDataplane & { name: 'eks' }): MatrixDataplane & { name: 'eks' } {
  return { name: 'eks', version: d.version, compute: d.compute, ...(d.controller ? { controller: d.controller } : {}) };
}

/** What the views share: the loaded cluster and what is derived from it once. */
export interface ApiContext {
  readonly state: DashboardState;
  readonly engine: Engine;
  readonly resolver: EndpointResolver;
  /** The outside world split for the cluster and the proposal together, so that diff and graph name peers alike. */
  readonly world: OutsideWorld;
  readonly dataplane: DashboardDataplane;
  readonly workloads: Map<string, WorkloadNode>;
  decider(): Decider;
  /** Under eks: both data planes of the served cluster, made once (the agent's maps of every pod are its cost). */
  planes(): Dataplanes | undefined;
  diff(): DiffOverlay | undefined;
  reference(ref: string): { ok: true; ref: Reference } | { ok: false; status: number; error: string };
  /** How far the question being answered has got (progress.ts); may throw Superseded to stop it there. */
  report(p: Progress): void;
}
