import { Command } from 'commander';
import { computeMatrix } from '../analysis/matrix.js';
import { defaultConfig } from '../audit/config.js';
import { enforcementFromCluster } from '../audit/enforcement.js';
import { runAudit, type Kpis } from '../audit/run.js';
import type { Finding } from '../audit/types.js';
import { Engine } from '../engine/engine.js';
import { InputError } from '../k8s/errors.js';
import { buildCluster } from '../model/build.js';
import { LiveReader, loadKubeConfig } from '../sources/live.js';
import { ClusterMirror } from '../sources/mirror.js';
import { defaultDbPath, HistoryStore } from '../store/history.js';
import { addInputOptions, buildOptions, readObjects, type InputFlags } from './inputs.js';
import { UsageError, type CliIO } from './io.js';

interface Flags extends InputFlags {
  interval?: string;
  webhook?: string;
  record?: boolean;
  db?: string;
}

type WatchEvent =
  | { type: 'ready' | 'audit'; at: string; kpis: Kpis; findings: number; connections: number }
  | { type: 'finding'; change: 'new' | 'resolved'; at: string; finding: Finding }
  | { type: 'connection'; change: 'opened' | 'closed'; at: string; from: string; to: string; port: number; protocol: string }
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
    .option('--record', 'record the KPIs of every re-audit in the history database')
    .option('--db <path>', `history database (default: ${defaultDbPath()})`);
  addInputOptions(cmd);
  return cmd.action(async (f: Flags) => {
    const interval = parseDuration(f.interval ?? '10s');
    if (f.webhook && !/^https?:\/\//.test(f.webhook)) throw new UsageError('--webhook must be an http(s) URL');
    const options = buildOptions(f);
    const files = f.filename?.length ? readObjects(f.filename, io) : [];
    const reader = new LiveReader(await loadKubeConfig({ ...(f.kubeconfig ? { kubeconfig: f.kubeconfig } : {}), ...(f.context ? { context: f.context } : {}) }));
    let dirty = true;
    const mirror = new ClusterMirror(reader, { change: () => (dirty = true), notice: (m) => io.err(`podwall: ${m}\n`) });
    await mirror.start();
    const store = f.record ? new HistoryStore(f.db ?? defaultDbPath(io.env)) : undefined;

    let findings = new Map<string, Finding>();
    let edges = new Set<string>();
    let first = true;
    const emit = async (events: WatchEvent[]): Promise<void> => {
      if (events.length === 0) return;
      io.out(events.map((e) => JSON.stringify(e)).join('\n') + '\n');
      if (f.webhook) {
        try {
          const res = await fetch(f.webhook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events }) });
          if (!res.ok) io.err(`podwall: webhook answered HTTP ${res.status}\n`);
        } catch (e) {
          io.err(`podwall: webhook failed: ${(e as Error).message}\n`);
        }
      }
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
      const nextFindings = new Map(result.findings.map((x) => [`${x.check}\u0000${x.object}\u0000${x.message}`, x]));
      const matrix = computeMatrix(new Engine(cluster), { allowedOnly: true });
      const nextEdges = new Set(matrix.edges.filter((e) => e.allowed).map((e) => `${e.from}\u0000${e.to}\u0000${e.port}\u0000${e.protocol}`));
      const events: WatchEvent[] = [];
      events.push({ type: first ? 'ready' : 'audit', at, kpis: result.kpis, findings: result.findings.length, connections: nextEdges.size });
      if (!first) {
        for (const [k, x] of nextFindings) if (!findings.has(k)) events.push({ type: 'finding', change: 'new', at, finding: x });
        for (const [k, x] of findings) if (!nextFindings.has(k)) events.push({ type: 'finding', change: 'resolved', at, finding: x });
        const edge = (k: string, change: 'opened' | 'closed'): WatchEvent => {
          const [from, to, port, protocol] = k.split('\u0000') as [string, string, string, string];
          return { type: 'connection', change, at, from, to, port: Number(port), protocol };
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
