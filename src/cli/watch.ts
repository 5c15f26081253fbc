import { Command } from 'commander';
import { computeMatrix, type MatrixEdge } from '../analysis/matrix.js';
import { defaultConfig } from '../audit/config.js';
import { enforcementFromCluster } from '../audit/enforcement.js';
import { runAudit, type Kpis } from '../audit/run.js';
import type { Finding } from '../audit/types.js';
import { Engine } from '../engine/engine.js';
import { InputError } from '../k8s/errors.js';
import { buildCluster, type SourceObject } from '../model/build.js';
import { defaultClusterAvailable } from '../sources/live.js';
import { ClusterMirror } from '../sources/mirror.js';
import { PolicyRecorder } from '../sources/policy-recorder.js';
import { defaultDbPath, HistoryStore } from '../store/history.js';
import { addInputOptions, buildOptions, liveReader, readObjects, type InputFlags } from './inputs.js';
import { UsageError, type CliIO } from './io.js';
import { addMetricsOptions, startMetrics, type MetricsFlags } from './metrics.js';
import { WebhookSender } from './webhook.js';
import type { FlowFollower } from '../flows/follow.js';
import { DEFAULT_LIVE_SETTINGS, LiveIncidents, type LiveEvent } from '../incidents/live.js';
import { PolicySetTracker } from '../incidents/policy-set.js';
import { policyObject } from '../incidents/policy-objects.js';
import { incidentJson } from '../report/incidents/json.js';
import { FileFollower } from '../sources/flow-tail.js';
import { flowFormat } from './flow-inputs.js';
import { addIncidentOptions, duration, incidentOptions, type IncidentFlags } from './incident-inputs.js';
import { collect } from './inputs.js';

interface Flags extends InputFlags, MetricsFlags, IncidentFlags {
  flows?: string[];
  mttrWindow?: string;
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
  /** A policy-caused incident (docs/incidents.md) opened or closed: the incident as `podwall incidents -o json` shows it. */
  | { type: 'incident'; change: LiveEvent['change']; at: string; incident: Record<string, unknown> }
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
    .option('--db <path>', `history database (default: ${defaultDbPath()})`)
    .option('--flows <path>', 'follow flow logs as they grow (tail -F: a file, or a directory such as /var/log/aws-routed-eni); report policy-caused incidents as they open and close; repeatable', collect)
    .option('--format <format>', 'the format of the followed flow logs: agent|cloudwatch|vpc|csv|jsonl (default: detected per file)')
    .option('--mttr-window <duration>', 'the metrics\' MTTR covers the incidents that started this long ago at most', '7d');
  addIncidentOptions(cmd);
  addInputOptions(addMetricsOptions(cmd));
  return cmd.action(async (f: Flags) => {
    const interval = parseDuration(f.interval ?? '10s');
    if (f.webhook && !/^https?:\/\//.test(f.webhook)) throw new UsageError('--webhook must be an http(s) URL');
    const options = buildOptions(f);
    // flow sources: files now; a CloudWatch follower implements the same FlowFollower
    const format = flowFormat(f.format);
    const followers: FlowFollower[] = f.flows?.length ? [new FileFollower(f.flows, format ? { format } : {})] : [];
    const live = followers.length ? new LiveIncidents(incidentOptions(f), options, { ...DEFAULT_LIVE_SETTINGS, mttrWindowMs: duration('--mttr-window', f.mttrWindow ?? '7d') }) : undefined;
    const policySet = new PolicySetTracker();
    const files = f.filename?.length ? readObjects(f.filename, io) : [];
    if (!f.kubeconfig && !f.context && !defaultClusterAvailable(io.env)) throw new UsageError('watch needs a live cluster: give --kubeconfig or --context (no $KUBECONFIG, ~/.kube/config or in-cluster service account was found)');
    // what the logs already hold is read first: it is the history that makes traffic legitimate
    for (const follower of followers) await follower.start({ flow: (x) => live!.flow(x), notice: (m) => io.err(`podwall: ${m}\n`) });
    const reader = await liveReader(f);
    let dirty = true;
    /** When the cluster first changed since the last re-evaluation: the new state is in force from then. */
    let pendingSince: number | undefined;
    /** ... and when a policy object first changed: the new policies are in force from then (as --record dates them). */
    let policySince: number | undefined;
    /** The policy objects the watch events told whole since then (the mirror keeps them without managedFields). */
    let told: SourceObject[] = [];
    // a database that cannot be written is said before the cluster is read
    // the rows name the cluster as serve and history scope by it: --cluster-name, else the context
    const cluster = f.clusterName || reader.label.replace(/^cluster:/, '');
    const store = f.record ? new HistoryStore(f.db ?? defaultDbPath(io.env), { warn: (m) => io.err(`podwall: warning: ${m}\n`), ...(cluster ? { cluster } : {}) }) : undefined;
    // --record: policy changes too, for `podwall incidents --db`
    const recorder = store ? new PolicyRecorder(store, reader.label) : undefined;
    const mirror = new ClusterMirror(reader, {
      change: () => {
        dirty = true;
        pendingSince ??= Date.now();
      },
      notice: (m) => io.err(`podwall: ${m}\n`),
      ...(recorder || live
        ? {
            object: (type: 'ADDED' | 'MODIFIED' | 'DELETED', item: Record<string, unknown>) => {
              // one clock reading for the record and the live timeline, so both place the change alike
              const now = Date.now();
              pendingSince ??= now;
              if (policyObject({ value: item, file: reader.label })) {
                policySince ??= now;
                if (type !== 'DELETED') told.push({ value: item, file: reader.label });
              }
              recorder?.event(type, item, new Date(now));
            },
          }
        : {}),
    });
    await mirror.start();
    recorder?.baseline(mirror.objects());
    // --cluster-name names the recorded cluster too: without --metrics it is not the metrics' label
    const metrics = await startMetrics(f.metrics || !f.record ? f : { ...f, clusterName: undefined }, io, true, undefined, {
      ...(live ? { incidents: () => liveTotals(live) } : {}),
      watch: () => ({ flowSources: followers.length, policyChanges: policySet.changes }),
    });

    let findings = new Map<string, Finding>();
    let edges: EdgeKeys = new Map();
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
      const stateAt = policySince ?? pendingSince ?? Date.now();
      const changed = told;
      pendingSince = policySince = undefined;
      told = [];
      const objects = [...mirror.objects(), ...files];
      let cluster;
      try {
        cluster = buildCluster(objects, options);
        policySet.update(objects);
        live?.state(stateAt, objects, cluster, changed);
      } catch (e) {
        // a bad object in the cluster: report it, keep the last good model
        if (e instanceof InputError) return emit([{ type: 'error', at, message: e.message }]);
        throw e;
      }
      const result = runAudit(cluster, defaultConfig(), enforcementFromCluster(cluster));
      metrics?.audit(result.kpis);
      const nextFindings = new Map(result.findings.map((x) => [`${x.check}\u0000${x.object}\u0000${x.message}`, x]));
      const matrix = computeMatrix(new Engine(cluster), { allowedOnly: true, outside: 'each' });
      const nextEdges = edgeKeys(matrix.edges);
      const events: WatchEvent[] = [];
      events.push({ type: first ? 'ready' : 'audit', at, kpis: result.kpis, findings: result.findings.length, connections: countKeys(nextEdges) });
      if (!first) {
        for (const [k, x] of nextFindings) if (!findings.has(k)) events.push({ type: 'finding', change: 'new', at, finding: x });
        for (const [k, x] of findings) if (!nextFindings.has(k)) events.push({ type: 'finding', change: 'resolved', at, finding: x });
        const edge = (from: string, k: string, change: 'opened' | 'closed'): WatchEvent => {
          const [to, port, endPort, protocol] = k.split('\u0000') as [string, string, string, string];
          return { type: 'connection', change, at, from, to, port: Number(port), endPort: Number(endPort), protocol };
        };
        for (const [from, keys] of nextEdges) for (const k of keys) if (!edges.get(from)?.has(k)) events.push(edge(from, k, 'opened'));
        for (const [from, keys] of edges) for (const k of keys) if (!nextEdges.get(from)?.has(k)) events.push(edge(from, k, 'closed'));
      }
      findings = nextFindings;
      edges = nextEdges;
      first = false;
      store?.recordAudit(result, reader.label);
      await emit(events);
    };

    // flows are judged once the policy timeline is known up to their time: up to now, or to just
    // before a change the next re-evaluation has yet to take in
    const judgeFlows = async (): Promise<void> => {
      if (!live) return;
      const now = new Date().toISOString();
      await emit(live.advance(pendingSince !== undefined ? pendingSince - 1 : Date.now()).map((e) => ({ type: 'incident', change: e.change, at: now, incident: incidentJson(e.incident) })));
    };

    await cycle();
    await judgeFlows();
    await new Promise<void>((resolve) => {
      let running = false;
      const timer = setInterval(() => {
        if (running) return;
        running = true;
        cycle()
          .then(judgeFlows)
          .catch((e: Error) => io.err(`podwall: re-evaluation failed: ${e.message}\n`))
          .finally(() => (running = false));
      }, interval);
      const stop = (): void => {
        clearInterval(timer);
        for (const follower of followers) follower.stop();
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

function liveTotals(live: LiveIncidents): { opened: number; resolved: number; open: number; resolutionSeconds: number; mttrSeconds?: number } {
  const x = live.figures(Date.now());
  return { opened: x.opened, resolved: x.resolved, open: x.open, resolutionSeconds: x.resolutionMs / 1000, ...(x.mttrMs !== undefined ? { mttrSeconds: x.mttrMs / 1000 } : {}) };
}

/**
 * The allowed port ranges of every pair, by source: one Set per source rather than one for the
 * cluster, which would pass a Set's 2^24 entries past a few thousand workloads.
 */
type EdgeKeys = Map<string, Set<string>>;

function edgeKeys(edges: readonly MatrixEdge[]): EdgeKeys {
  const m: EdgeKeys = new Map();
  for (const e of edges) {
    if (!e.allowed) continue;
    let keys = m.get(e.from);
    if (!keys) m.set(e.from, (keys = new Set()));
    for (const r of e.ports) keys.add(`${e.to}\u0000${r.from}\u0000${r.to}\u0000${r.protocol}`);
  }
  return m;
}

function countKeys(m: EdgeKeys): number {
  let n = 0;
  for (const keys of m.values()) n += keys.size;
  return n;
}
