/**
 * `--metrics ADDR` and `--cluster-name` for the long-running commands (watch, serve): one place
 * that starts the metrics endpoint, wires recorded flow summaries into it, and stops it on a signal.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import type { Kpis } from '../audit/run.js';
import { PodwallMetrics, type IncidentTotals, type WatchTotals } from '../metrics/metrics.js';
import { createMetricsServer, parseListenAddress } from '../metrics/server.js';
import { loadKubeConfig } from '../sources/live.js';
import { defaultDbPath, HistoryStore } from '../store/history.js';
import type { InputFlags } from './inputs.js';
import { UsageError, type CliIO } from './io.js';
import { VERSION } from './version.js';

export interface MetricsFlags extends InputFlags {
  metrics?: string;
  clusterName?: string;
  db?: string;
}

export function addMetricsOptions(cmd: Command): Command {
  return cmd
    .option('--metrics <addr>', 'serve Prometheus metrics (audit KPIs, recorded flow counts) on HOST:PORT at /metrics, e.g. 127.0.0.1:9464')
    .option('--cluster-name <name>', 'the cluster\'s name: the label of the metrics (default: the kubeconfig context, else "default"), and the cluster serve scopes the history by and watch --record records under');
}

/** What `watch` knows itself: incidents as they happen (with --flows) and its flow sources. */
export interface LiveMetrics {
  incidents?: () => IncidentTotals;
  watch: () => WatchTotals;
}

/**
 * Starts the endpoint when `--metrics` is given. `live` says whether the run reads a cluster
 * through a kubeconfig (its context names the cluster); `initial` is an audit already made;
 * `own`: what watch knows itself (else incidents come from the recorded flow summaries).
 */
export async function startMetrics(f: MetricsFlags, io: CliIO, live: boolean, initial?: Kpis, own?: LiveMetrics): Promise<PodwallMetrics | undefined> {
  if (f.metrics === undefined) {
    if (f.clusterName !== undefined) throw new UsageError('--cluster-name labels the metrics: give --metrics too');
    return undefined;
  }
  const address = parseListenAddress(f.metrics);
  if (!address) throw new UsageError(`--metrics ${JSON.stringify(f.metrics)}: expected HOST:PORT, [IPv6]:PORT or :PORT, e.g. 127.0.0.1:9464`);
  const cluster = f.clusterName ?? (live ? (await loadKubeConfig({ ...(f.kubeconfig ? { kubeconfig: f.kubeconfig } : {}), ...(f.context ? { context: f.context } : {}) })).getCurrentContext() : '') ?? '';
  const dbPath = f.db ?? defaultDbPath(io.env);
  let store: HistoryStore | undefined;
  // the database may appear later (a `flows summary --record` run): look for it at each scrape
  const history = (): HistoryStore | undefined => (store ??= existsSync(dbPath) ? new HistoryStore(dbPath) : undefined);
  // the series are labelled with one cluster: count only its recorded summaries (and those recorded without one)
  const scope = cluster || undefined;
  const flows = () => history()?.flowTotals(scope);
  const recorded = (): IncidentTotals | undefined => {
    const t = history()?.incidentTotals(scope);
    return t && { opened: t.opened, resolved: t.resolved, open: t.open, resolutionSeconds: t.resolutionMs / 1000, ...(t.mttrMs !== undefined ? { mttrSeconds: t.mttrMs / 1000 } : {}) };
  };
  const metrics = new PodwallMetrics(cluster || 'default', VERSION, flows, own?.incidents ?? recorded, own?.watch);
  if (initial) metrics.audit(initial);
  const server = createMetricsServer(metrics, (l) => io.err(`${l}\n`));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new UsageError(`--metrics: cannot listen on ${f.metrics}: ${e.code ?? e.message}`)));
    server.listen(address.port, address.host, () => resolve());
  });
  server.unref(); // the command's own work keeps the process alive, not this endpoint
  const port = (server.address() as { port: number }).port;
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  const stop = (): void => {
    server.close();
    server.closeAllConnections();
    store?.close();
  };
  // before the line that says we listen: whoever reads it may signal at once, and until a handler exists
  // the operating system's default for the signal ends the process
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  io.err(`podwall: metrics on http://${host}:${port}/metrics (cluster="${cluster || 'default'}")\n`);
  return metrics;
}
