import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { withPolicies } from '../analysis/overlay.js';
import { CHECK_IDS } from '../audit/checks/index.js';
import { defaultConfig, parseConfig, type AuditConfig } from '../audit/config.js';
import type { EnforcementState } from '../audit/context.js';
import { enforcementFromCluster, enforcementFromDescribeAddonJson } from '../audit/enforcement.js';
import { runAudit } from '../audit/run.js';
import { OutsideWorld } from '../engine/outside.js';
import { Attributor } from '../flows/attribute.js';
import { InputError } from '../k8s/errors.js';
import { parseDocuments } from '../k8s/yaml.js';
import { buildCluster, type BuildOptions, type SourceObject } from '../model/build.js';
import type { Cluster } from '../model/cluster.js';
import { newStats } from '../sources/flow-files.js';
import { readText } from '../sources/files.js';
import { ClusterMirror } from '../sources/mirror.js';
import { defaultDbPath, HistoryStore } from '../store/history.js';
import { DashboardApi, type DashboardDataplane, type DashboardState } from '../web/api.js';
import { FlowIndex } from '../web/flows.js';
import { clusterScope, inScope, type ClusterScope, type HistorySource } from '../web/history.js';
import { PolicyTracker } from '../web/live.js';
import { LiveInline, LiveThread, type LiveEvaluation } from '../web/live-evaluation.js';
import type { LiveSetup } from '../web/live-state.js';
import { createDashboardServer, EventHub } from '../web/server.js';
import { fingerprint, type WorkerInputs } from '../web/worker-inputs.js';
import { InlineAnswers, WorkerAnswers, type HeavyAnswers } from '../web/worker-pool.js';
import { addDataplaneOptions, describeChoice, eksChoice, parseDataplane, type DataplaneFlags } from './dataplane.js';
import { flowFormat, readFlows } from './flow-inputs.js';
import { addInputOptions, buildOptions, collect, liveReader, readInputs, readObjects, wantsLive, type InputFlags } from './inputs.js';
import { UsageError, type CliIO } from './io.js';
import { addMetricsOptions, startMetrics, type MetricsFlags } from './metrics.js';
import { parseDuration } from './watch.js';

interface Flags extends InputFlags, MetricsFlags, DataplaneFlags {
  port?: string;
  address?: string;
  db?: string;
  proposed?: string[];
  flows?: string[];
  format?: string;
  config?: string;
  addonConfig?: string;
  interval?: string;
}

export function serveCommand(io: CliIO, setCode: (code: number) => void): Command {
  const cmd = new Command('serve')
    .description('a local, read-only web page: the graph of allowed and denied connections, explanations, audit KPIs and trends, flows, a diff view, and live updates of a watched cluster')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '8080')
    .option('--address <ip>', 'address to listen on; anything but loopback exposes your cluster\'s policies', '127.0.0.1')
    .option('--db <path>', `history database for trends (default: ${defaultDbPath()})`)
    .option('--proposed <path>', 'a proposed policy set for the diff view; repeatable', collect)
    .option('--flows <logs>', 'flow logs (files or directories, as `flows summary` reads them) drawn on the graph; repeatable', collect)
    .option('--format <format>', 'force the flow log format: agent|cloudwatch|vpc|csv|jsonl (default: detected per file)')
    .option('--config <file>', 'podwall.yaml for the audit view, as `podwall audit --config`')
    .option('--addon-config <file>', 'the JSON of `aws eks describe-addon --addon-name vpc-cni`, for the audit view')
    .option('--interval <duration>', 'live clusters: how often to re-evaluate after changes (e.g. 500ms, 2s, 1m)', '2s');
  addInputOptions(addMetricsOptions(cmd));
  addDataplaneOptions(cmd);
  return cmd.action(async (f: Flags) => {
    const port = Number(f.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be a number 0-65535');
    const threads = workerSettings(io.env);
    // stdin can be read once: what `-f -` gave is kept for the worker threads, which read the inputs again
    let stdin: string | undefined;
    const input: CliIO = { ...io, readStdin: () => (stdin ??= io.readStdin()) };
    const dataplaneName = parseDataplane(f.dataplane);
    const interval = parseDuration(f.interval ?? '2s');
    const format = flowFormat(f.format);
    const options = buildOptions(f);
    const config: AuditConfig = f.config ? parseConfig(parseDocuments(readText(f.config), f.config), f.config, CHECK_IDS) : defaultConfig();
    const addon = f.addonConfig ? enforcementFromDescribeAddonJson(readText(f.addonConfig), f.addonConfig) : undefined;
    const proposedObjects = f.proposed ? readObjects(f.proposed, input) : undefined;
    // the log paths are checked before the cluster is read (the flows are read once it is built)
    const flowStats = newStats();
    const flowSource = f.flows?.length ? readFlows(f.flows, { ...(format ? { format } : {}) }, flowStats, io) : undefined;
    const live = wantsLive(f, io);

    // a watched cluster: the mirror lists it, then keeps it current (as `podwall watch`)
    let objects: SourceObject[];
    /** The watched cluster's objects the model was built from (the workers build from the same). */
    let liveObjects: SourceObject[] | undefined;
    let mirror: ClusterMirror | undefined;
    let tracker: PolicyTracker | undefined;
    let dirty = false;
    let context: string | undefined;
    // the files beside a watched cluster; without a watch they are the inputs, read once below
    const files = live && f.filename?.length ? readObjects(f.filename, input) : [];
    if (live) {
      const reader = await liveReader(f);
      context = reader.label.replace(/^cluster:/, '');
      mirror = new ClusterMirror(reader, {
        change: () => (dirty = true),
        notice: (m) => io.err(`podwall: ${m}\n`),
        object: (type, item) => tracker?.event(type, item),
      });
      await mirror.start();
      liveObjects = mirror.objects();
      objects = [...liveObjects, ...files];
      tracker = new PolicyTracker(objects);
    } else objects = await readInputs(f, input);

    io.progress?.step('building the model');
    const cluster = buildCluster(objects, options);
    const dataplane = chooseDataplane(dataplaneName, f, cluster);
    const scope = clusterScope({ ...(f.clusterName ? { flag: f.clusterName } : {}), ...(context ? { context } : {}), ...(f.filename ? { files: f.filename } : {}), ...(f.flows ? { flows: f.flows } : {}) });
    const dbPath = f.db ?? defaultDbPath(io.env);
    const store = existsSync(dbPath) ? new HistoryStore(dbPath, { warn: (m) => io.err(`podwall: warning: ${m}\n`) }) : undefined;
    const history = store && scopedHistory(store, scope);

    let flows: FlowIndex | undefined;
    if (f.flows?.length && flowSource) {
      // attributed against the served cluster, as `flows summary` does with one snapshot
      const world = new OutsideWorld(proposedObjects ? [cluster, buildCluster(withPolicies(objects, proposedObjects), options)] : [cluster]);
      flows = new FlowIndex(cluster, world, new Attributor([{ label: 'served', cluster }]), f.flows);
      for await (const flow of flowSource) flows.add(flow);
      io.err(`podwall: read ${flowStats.flows} flows from ${f.flows.join(', ')}${flowStats.malformed ? ` (${flowStats.malformed} malformed lines skipped)` : ''}\n`);
    }

    const enforcement = (c: Cluster): EnforcementState[] => [...enforcementFromCluster(c), ...(addon ? [addon] : [])];
    // the audit's EKS checks model the same agent, controller and compute as the page's verdicts
    const auditEks = dataplane.name === 'eks' ? { version: dataplane.version, compute: dataplane.compute, ...(dataplane.controller ? { controller: dataplane.controller } : {}) } : undefined;
    io.progress?.step('audit');
    const audit = runAudit(cluster, config, enforcement(cluster), auditEks);
    // --cluster-name also scopes the history here; the metrics want it only with --metrics
    const metrics = await startMetrics(f.metrics ? f : { ...f, clusterName: undefined }, io, live, audit.kpis);
    const stateOf = (c: Cluster, objs: SourceObject[], auditResult = runAudit(c, config, enforcement(c), auditEks)): DashboardState => ({
      cluster: c,
      audit: auditResult,
      ...(proposedObjects ? { proposed: buildCluster(withPolicies(objs, proposedObjects), options) } : {}),
      ...(history ? { history } : {}),
      source: f.filename?.length ? f.filename.join(', ') : `live cluster ${context ?? ''}`.trim(),
      dataplane,
      scope,
      ...(flows ? { flows } : {}),
      live,
    });
    let api = new DashboardApi(stateOf(cluster, objects, audit));
    const log = (l: string): void => io.err(`${l}\n`);
    const handler = { handle: (m: string, u: URL) => api.handle(m, u) };
    // the heavy views in worker threads that load the same inputs (docs/architecture.md, dashboard)
    const inputsOf = (watchedObjects?: SourceObject[]): WorkerInputs => ({
      files: f.filename ?? [],
      ...(stdin !== undefined ? { stdin } : {}),
      ...(f.proposed ? { proposed: f.proposed } : {}),
      ...(watchedObjects ? { liveObjects: watchedObjects } : {}),
      options,
      dataplane,
      ...(flows ? { flows: { files: flows.files, pairs: flows.pairs() } } : {}),
      source: api.state.source,
      live,
    });
    let heavy: HeavyAnswers;
    if (threads.threads > 0) {
      const pool = new WorkerAnswers(inputsOf(liveObjects), log, {
        threads: threads.threads,
        ...(threads.heapMb ? { heapMb: threads.heapMb } : {}),
        loaded: (r) => {
          if (heavy !== pool) return;
          const expected = fingerprint(api.state.cluster, api.state.proposed);
          if (r.ok && r.fingerprint === expected) return;
          // the worker read other inputs (a file changed since), or none: the answers must be the served model's
          log(`podwall: ${r.ok ? `the dashboard's worker thread loaded ${r.fingerprint}, the server ${expected} (did a file change?)` : r.message}; heavy answers are computed in the server's thread from now on`);
          heavy = new InlineAnswers(handler, log);
          void pool.close();
        },
      });
      heavy = pool;
      // the first graph before listening (the worker computes it as it loads): the first page load is quick;
      // a signal meanwhile stops the start (nothing else listens for it yet but the metrics)
      let signalled = false;
      const early = (): void => {
        signalled = true;
        void pool.close();
      };
      process.once('SIGINT', early);
      process.once('SIGTERM', early);
      io.progress?.step('the dashboard\'s worker thread loads the model');
      await pool.ready();
      io.progress?.end();
      process.removeListener('SIGINT', early);
      process.removeListener('SIGTERM', early);
      if (signalled) {
        mirror?.stop();
        store?.close();
        if (mirror) setTimeout(() => process.exit(), 500).unref();
        return setCode(0);
      }
    } else {
      heavy = new InlineAnswers(handler, log);
      io.progress?.step('the first graph');
      api.warm();
    }
    const events = live ? new EventHub() : undefined;
    const server = createDashboardServer(handler, log, { address: f.address!, ...(events ? { events } : {}), heavy: { ask: (m, u, givenUp) => heavy.ask(m, u, givenUp), close: () => heavy.close(), progress: (u) => heavy.progress?.(u) } });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(new UsageError(`cannot listen on ${f.address}:${port}: ${e.code ?? e.message}`)));
      server.listen(port, f.address, () => resolve());
    });
    const addr = server.address() as { port: number };
    const host = f.address!.includes(':') ? `[${f.address}]` : f.address;

    // live: rebuild after changes, push what opened and closed, and answer from the new state
    let timer: NodeJS.Timeout | undefined;
    // each state's connections (a whole matrix) and audit are computed off the server's thread (live-evaluation.ts), one change at a time
    let liveEvaluation: LiveEvaluation | undefined;
    let stopping = false;
    if (mirror && events) {
      const plane = dataplane.name === 'eks' ? { name: 'eks' as const, version: dataplane.version, compute: dataplane.compute, controller: dataplane.controller } : { name: 'kubernetes' as const };
      const setup: LiveSetup = { files: f.filename ?? [], ...(stdin !== undefined ? { stdin } : {}), options, dataplane: plane, audit: { config, ...(addon ? { addon } : {}), ...(auditEks ? { eks: auditEks } : {}) } };
      const evaluation = (liveEvaluation = threads.threads > 0 ? new LiveThread(setup, threads.heapMb) : new LiveInline(setup));
      let started = false;
      let running = false;
      const evaluate = async (): Promise<void> => {
        // the first state's connections (its audit is the one served), before any change is compared with it
        if (!started) {
          await evaluation.first(liveObjects ?? [], cluster);
          started = true;
          return;
        }
        if (!dirty) return;
        dirty = false;
        const at = new Date().toISOString();
        const watched = mirror!.objects();
        const objs = [...watched, ...files];
        const next = rebuild(objs, options, io);
        if (!next) return;
        // the policy changes up to this state; those seen while it is evaluated belong to the next
        const policies = tracker!.take();
        const evaluated = await evaluation.next(watched, next);
        const change = { at, opened: evaluated.opened, closed: evaluated.closed, policies };
        const state = stateOf(next, objs, evaluated.audit);
        metrics?.audit(state.audit!.kpis);
        const fresh = new DashboardApi(state);
        // the workers load the new state before any question that follows (messages keep their order)
        if (heavy instanceof WorkerAnswers) void heavy.load(inputsOf(watched));
        else fresh.warm();
        api = fresh;
        events.publish('change', change);
      };
      const tick = (): void => {
        if (running) return;
        running = true;
        evaluate()
          // stopping ends an evaluation under way: that is no failure
          .catch((e: unknown) => stopping || io.err(`podwall: re-evaluation failed: ${(e as Error).message}\n`))
          .finally(() => (running = false));
      };
      tick();
      timer = setInterval(tick, interval);
    }
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        if (timer) clearInterval(timer);
        mirror?.stop();
        stopping = true;
        void liveEvaluation?.close();
        // a worker busy with a graph is stopped where it is: nothing waits for it
        void heavy.close();
        server.close();
        server.closeAllConnections();
        store?.close();
        resolve();
        // kept-alive API connections of the watch must not hold the process open after a signal
        if (mirror) setTimeout(() => process.exit(), 500).unref();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      // only now: whoever reads this line may signal at once, and without a handler the signal ends the process;
      // on its own line, not after a progress line left on the terminal
      io.progress?.end();
      io.err(`podwall: serving on http://${host}:${addr.port}/ (Ctrl-C to stop)\n`);
      if (f.address !== '127.0.0.1' && f.address !== '::1' && f.address !== 'localhost') io.err('podwall: warning: listening beyond loopback; anyone who can reach this address sees your policies\n');
    });
    setCode(0);
  });
}

/**
 * Worker threads for the heavy views: PODWALL_SERVE_THREADS (default 1; 0 computes them in the
 * server's own thread, as before workers), and PODWALL_SERVE_WORKER_MB, a worker's heap limit (a
 * question that needs more stops that worker with a 500, not the server).
 */
function workerSettings(env: NodeJS.ProcessEnv): { threads: number; heapMb?: number } {
  const number = (name: string, min: number): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`$${name} must be a whole number of at least ${min}, got ${JSON.stringify(v)}`);
    return n;
  };
  const heapMb = number('PODWALL_SERVE_WORKER_MB', 16);
  return { threads: number('PODWALL_SERVE_THREADS', 0) ?? 1, ...(heapMb !== undefined ? { heapMb } : {}) };
}

/** The data plane the whole dashboard answers for (graph, denied, explain), as `explain --dataplane`. */
function chooseDataplane(name: 'eks' | 'kubernetes', f: DataplaneFlags, cluster: Cluster): DashboardDataplane {
  if (name === 'kubernetes') return { name, text: 'the Kubernetes specification (--dataplane kubernetes)' };
  const c = eksChoice(f, cluster);
  return { name, version: c.version, compute: c.compute, controller: c.controller, text: describeChoice(c), context: { agent: c.version, agentSource: c.versionSource, controller: c.controller, compute: c.compute, computeSource: c.computeSource } };
}

/** The watched cluster's new model; a bad object is reported and the last good model kept. */
function rebuild(objects: SourceObject[], options: BuildOptions, io: CliIO): Cluster | undefined {
  try {
    return buildCluster(objects, options);
  } catch (e) {
    if (e instanceof InputError) {
      io.err(`podwall: ${e.message}; keeping the last good model\n`);
      return undefined;
    }
    throw e;
  }
}

/** The history database, only the rows of the served cluster (history.ts says how rows are matched). */
function scopedHistory(store: HistoryStore, scope: ClusterScope): HistorySource {
  const rows = { cluster: scope.cluster, orLabel: (label: string) => inScope(label, scope) };
  const flowRows = () => store.flowSummaries(200, rows);
  return {
    runs: () => store.runs(200, rows).map((r) => ({ at: r.at, label: r.label, kpis: r.kpis })),
    flows: () => flowRows().slice(-50).map((x) => ({ at: x.at, label: x.label, summary: x.summary })),
    incidents: () => {
      const rows = flowRows();
      const figures = store.incidentFigures(rows.map((r) => r.id));
      return rows.flatMap((r) => {
        const fig = figures.get(r.id);
        return fig ? [{ at: r.at, label: r.label, count: fig.count, open: fig.open, ...(fig.mttrMs !== undefined ? { mttrMs: fig.mttrMs } : {}) }] : [];
      });
    },
  };
}
