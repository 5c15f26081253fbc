/**
 * The evaluation of a watched cluster's new state, wherever it runs (live-evaluation.ts: the server's thread, or
 * live-worker.ts's worker thread): its allowed connections (live.ts `connections`, a whole matrix), what opened
 * and closed since the state before, which it keeps, and its audit.
 */
import type { MatrixDataplane } from '../analysis/matrix.js';
import type { AuditConfig } from '../audit/config.js';
import type { EnforcementState } from '../audit/context.js';
import { enforcementFromCluster } from '../audit/enforcement.js';
import { runAudit, type AuditResult } from '../audit/run.js';
import type { PortRange } from '../engine/ports.js';
import type { Compute } from '../eks/types.js';
import type { BuildOptions } from '../model/build.js';
import type { Cluster } from '../model/cluster.js';
import { connectionChanges, connections, type ConnectionChange } from './live.js';

/** What every evaluation shares, as serve.ts set it up (plain data: it is handed to the worker once). */
export interface LiveSetup {
  /** `-f` paths served beside the watched cluster (the worker reads them again, once), and stdin for `-f -`. */
  files: string[];
  stdin?: string;
  options: BuildOptions;
  dataplane: MatrixDataplane;
  audit: { config: AuditConfig; addon?: EnforcementState; eks?: { version: string; compute: Compute; controller?: string } };
}

/** A new state against the one before: the connections it opened and closed, and its audit. */
export interface Change {
  opened: ConnectionChange[];
  closed: ConnectionChange[];
  audit: AuditResult;
}

/** The connections of the last state evaluated, and each new state's change from it (what serve did in its own thread before). */
export class LiveState {
  private before?: Map<string, PortRange[]>;

  constructor(private readonly setup: LiveSetup) {}

  first(cluster: Cluster): void {
    this.before = connections(cluster, this.setup.dataplane);
  }

  next(cluster: Cluster): Change {
    const after = connections(cluster, this.setup.dataplane);
    const a = this.setup.audit;
    const audit = runAudit(cluster, a.config, [...enforcementFromCluster(cluster), ...(a.addon ? [a.addon] : [])], a.eks);
    const change = { ...connectionChanges(this.before ?? new Map(), after), audit };
    this.before = after;
    return change;
  }
}
