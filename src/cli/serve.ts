import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { withPolicies } from '../analysis/overlay.js';
import { defaultConfig } from '../audit/config.js';
import { enforcementFromCluster } from '../audit/enforcement.js';
import { runAudit } from '../audit/run.js';
import { buildCluster } from '../model/build.js';
import { defaultDbPath, HistoryStore } from '../store/history.js';
import { DashboardApi, type HistorySource } from '../web/api.js';
import { createDashboardServer } from '../web/server.js';
import { addInputOptions, buildOptions, collect, readInputs, readObjects, wantsLive, type InputFlags } from './inputs.js';
import { UsageError, type CliIO } from './io.js';
import { addMetricsOptions, startMetrics, type MetricsFlags } from './metrics.js';

interface Flags extends InputFlags, MetricsFlags {
  port?: string;
  address?: string;
  db?: string;
  proposed?: string[];
}

export function serveCommand(io: CliIO, setCode: (code: number) => void): Command {
  const cmd = new Command('serve')
    .description('a local, read-only web page: the graph of allowed connections, explanations, audit KPIs and trends, flows, and a diff view')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '8080')
    .option('--address <ip>', 'address to listen on; anything but loopback exposes your cluster\'s policies', '127.0.0.1')
    .option('--db <path>', `history database for trends (default: ${defaultDbPath()})`)
    .option('--proposed <path>', 'a proposed policy set for the diff view; repeatable', collect);
  addInputOptions(addMetricsOptions(cmd));
  return cmd.action(async (f: Flags) => {
    const port = Number(f.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be a number 0-65535');
    const options = buildOptions(f);
    const objects = await readInputs(f, io);
    const cluster = buildCluster(objects, options);
    const proposed = f.proposed ? buildCluster(withPolicies(objects, readObjects(f.proposed, io)), options) : undefined;
    const dbPath = f.db ?? defaultDbPath(io.env);
    const store = existsSync(dbPath) ? new HistoryStore(dbPath, { warn: (m) => io.err(`podwall: warning: ${m}\n`) }) : undefined;
    const history: HistorySource | undefined = store && {
      runs: () => store.runs(200).map((r) => ({ at: r.at, label: r.label, kpis: r.kpis })),
      flows: () => store.flowSummaries(50).map((x) => ({ at: x.at, label: x.label, summary: x.summary })),
    };
    const audit = runAudit(cluster, defaultConfig(), enforcementFromCluster(cluster));
    await startMetrics(f, io, wantsLive(f, io), audit.kpis);
    const api = new DashboardApi({
      cluster,
      audit,
      ...(proposed ? { proposed } : {}),
      ...(history ? { history } : {}),
      source: f.filename?.join(', ') ?? 'live cluster',
    });
    const server = createDashboardServer(api, (l) => io.err(`${l}\n`), { address: f.address! });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(new UsageError(`cannot listen on ${f.address}:${port}: ${e.code ?? e.message}`)));
      server.listen(port, f.address, () => resolve());
    });
    const addr = server.address() as { port: number };
    const host = f.address!.includes(':') ? `[${f.address}]` : f.address;
    io.err(`podwall: serving on http://${host}:${addr.port}/ (Ctrl-C to stop)\n`);
    if (f.address !== '127.0.0.1' && f.address !== '::1' && f.address !== 'localhost') io.err('podwall: warning: listening beyond loopback; anyone who can reach this address sees your policies\n');
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        server.close();
        server.closeAllConnections();
        store?.close();
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    setCode(0);
  });
}
