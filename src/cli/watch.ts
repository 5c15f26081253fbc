import { Command } from 'commander';
import { computeMatrix } from '../analysis/matrix.js';
import { defaultConfig } from '../audit/config.js';
import { enforcementFromCluster } from '../audit/enforcement.js';
import { runAudit, type Kpis } from '../audit/run.js';
import type { Finding } from '../audit/types.js';
import { Engine } from '../engine/engine.js';
import { InputError } from '../k8s/errors.js';
import { buildCluster } from '../model/build.js';
import { defaultClusterAvailable } from '../sources/live.js';
import { ClusterMirror } from '../sources/mirror.js';
import { PolicyRecorder } from '../sources/policy-recorder.js';
import { defaultDbPath, HistoryStore } from '../store/history.js';
import { addInputOptions, buildOptions, liveReader, readObjects, type InputFlags } from './inputs.js';
import { UsageError, type CliIO } from './io.js';
import { addMetricsOptions, startMetrics, type MetricsFlags } from './metrics.js';
import { WebhookSender } from './webhook.js';

interface Flags extends InputFlags, MetricsFlags {
  interval?: string;
  webhook?: string;
  record?: boolean;
  db?: string;
}

type WatchEvent =
  | { type: 'ready' | 'audit'; at: string; kpis: Kpis; findings: number; connections: number }
  | { type: 'finding'; change: 'new' | 'resolved'; at: string; finding: Finding }
  /** A range of ports (port to endPort) of one protocol that opened or closed between two workloads or peers outside. */
  | { type: 'connection'; change: 'opened' | 'closed'; at: string; from: string; to: string; port: number; endPort: number; protocol: string }
  | { type: 'error'; at: string; message: string };

export function parseDuration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v.trim());
  if (!m) throw new UsageError(`--interval ${JSON.stringify(v)}: expected a duration such as 500ms, 10s or 1m`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
}

export function watchCommand(io: CliIO, setCode: (code: number) => void): Command {
  const cmd = new Command('watch')
    .description('keep the model in sync with a live cluster; re-audit on change and report new findings and connections that opened or closed (JSON lines)')
    .option('--interval <duration>', 'how often to re-evaluate after changes (e.g. 500ms, 10s, 1m)', '10s')
    .option('--webhook <url>', 'also POST each batch of events to this URL as JSON')
    .option('--record', 'record the KPIs of every re-audit, and every policy change (for podwall incidents --db), in the history database')
    .option('--db <path>', `history database (default: ${defaultDbPath()})`);
  addInputOptions(addMetricsOptions(cmd));
  return cmd.action(async (f: Flags) => {
    const interval = parseDuration(f.interval ?? '10s');
    if (f.webhook && !/^https?:\/\//.test(f.webhook)) throw new UsageError('--webhook must be an http(s) URL');
    const options = buildOptions(f);
    const files = f.filename?.length ? readObjects(f.filename, io) : [];
    if (!f.kubeconfig && !f.context && !defaultClusterAvailable(io.env)) throw new UsageError('watch needs a live cluster: give --kubeconfig or --context (no $KUBECONFIG, ~/.kube/config or in-cluster service account was found)');
    const reader = await liveReader(f);
    let dirty = true;
    // a database that cannot be written is said before the cluster is read
    const store = f.record ? new HistoryStore(f.db ?? defaultDbPath(io.env), { warn: (m) => io.err(`podwall: warning: ${m}\n`) }) : undefined;
    // --record: policy changes too, for `podwall incidents --db`
    const recorder = store ? new PolicyRecorder(store, reader.label) : undefined;
    const mirror = new ClusterMirror(reader, {
      change: () => (dirty = true),
      notice: (m) => io.err(`podwall: ${m}\n`),
      ...(recorder ? { object: (type: 'ADDED' | 'MODIFIED' | 'DELETED', item: Record<string, unknown>) => void recorder.event(type, item) } : {}),
    });
    await mirror.start();
    recorder?.baseline(mirror.objects());
    const metrics = await startMetrics(f, io, true);

    let findings = new Map<string, Finding>();
    let edges = new Set<string>();
    let first = true;
    const webhook = f.webhook ? new WebhookSender(f.webhook, (m) => io.err(`podwall: ${m}\n`)) : undefined;
    const emit = async (events: WatchEvent[]): Promise<void> => {
      if (events.length === 0) return;
      io.out(events.map((e) => JSON.stringify(e)).join('\n') + '\n');
      webhook?.send(events); // in the background: a slow webhook never holds up the next audit
    };
    const cycle = async (): Promise<void> => {
      if (!dirty) return;
      dirty = false;
      const at = new Date().toISOString();
      let cluster;
      try {
        cluster = buildCluster([...mirror.objects(), ...files], options);
      } catch (e) {
        // a bad object in the cluster: report it, keep the last good model
        if (e instanceof InputError) return emit([{ type: 'error', at, message: e.message }]);
        throw e;
      }
      const result = runAudit(cluster, defaultConfig(), enforcementFromCluster(cluster));
      metrics?.audit(result.kpis);
      const nextFindings = new Map(result.findings.map((x) => [`${x.check}\u0000${x.object}\u0000${x.message}`, x]));
      const matrix = computeMatrix(new Engine(cluster), { allowedOnly: true, outside: 'each' });
      const nextEdges = new Set(matrix.edges.filter((e) => e.allowed).flatMap((e) => e.ports.map((r) => `${e.from}\u0000${e.to}\u0000${r.from}\u0000${r.to}\u0000${r.protocol}`)));
      const events: WatchEvent[] = [];
      events.push({ type: first ? 'ready' : 'audit', at, kpis: result.kpis, findings: result.findings.length, connections: nextEdges.size });
      if (!first) {
        for (const [k, x] of nextFindings) if (!findings.has(k)) events.push({ type: 'finding', change: 'new', at, finding: x });
        for (const [k, x] of findings) if (!nextFindings.has(k)) events.push({ type: 'finding', change: 'resolved', at, finding: x });
        const edge = (k: string, change: 'opened' | 'closed'): WatchEvent => {
          const [from, to, port, endPort, protocol] = k.split('\u0000') as [string, string, string, string, string];
          return { type: 'connection', change, at, from, to, port: Number(port), endPort: Number(endPort), protocol };
        };
        for (const k of nextEdges) if (!edges.has(k)) events.push(edge(k, 'opened'));
        for (const k of edges) if (!nextEdges.has(k)) events.push(edge(k, 'closed'));
      }
      findings = nextFindings;
      edges = nextEdges;
      first = false;
      store?.recordAudit(result, reader.label);
      await emit(events);
    };

    await cycle();
    await new Promise<void>((resolve) => {
      let running = false;
      const timer = setInterval(() => {
        if (running) return;
        running = true;
        cycle()
          .catch((e: Error) => io.err(`podwall: re-evaluation failed: ${e.message}\n`))
          .finally(() => (running = false));
      }, interval);
      const stop = (): void => {
        clearInterval(timer);
        mirror.stop();
        store?.close();
        resolve();
        // kept-alive API connections must not hold the process open after a signal
        setTimeout(() => process.exit(), 500).unref();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    setCode(0);
  });
}
