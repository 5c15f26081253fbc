/**
 * The history of audit runs (and later flow summaries) in an embedded SQLite file. WAL mode and a
 * busy timeout let concurrent podwall runs record without corrupting it or failing.
 */
import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, rmdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AuditResult, Kpis } from '../audit/run.js';
import type { FlowSummary } from '../flows/summary.js';
import { clusterOfRunLabel } from './cluster.js';
import { historyError } from './errors.js';
import type { IncidentFigures } from '../incidents/figures.js';
import type { RecordedPolicyChange } from '../incidents/timeline.js';

export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PODWALL_DB) return env.PODWALL_DB;
  const base = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'podwall', 'history.db');
}

export interface RecordedRun {
  id: number;
  at: string;
  label: string;
  kpis: Kpis;
  /** The cluster it was recorded for (store/cluster.ts); absent when none was known. */
  cluster?: string;
}

/**
 * Which rows to read: those recorded for `cluster`, and of the rows that name no cluster (recorded
 * before rows had one, or without a cluster to name) those whose label `orLabel` accepts.
 */
export interface RowScope {
  cluster: string;
  orLabel?: (label: string) => boolean;
}

export interface FlowTotals {
  summaries: number;
  denied: number;
  allowed: number;
  /** Denied attempts per namespace of the deciding policy (else the destination), as `flows summary --by namespace`. */
  deniedByNamespace: Record<string, number>;
  /** The KPI of the latest recorded summary. */
  blockedPerWeek?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  label TEXT NOT NULL,
  kpis TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS findings (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  check_id TEXT NOT NULL,
  severity TEXT NOT NULL,
  object TEXT NOT NULL,
  file TEXT,
  line INTEGER,
  message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS findings_run ON findings(run_id);
CREATE TABLE IF NOT EXISTS flow_summaries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  label TEXT NOT NULL,
  first TEXT,
  last TEXT,
  denied INTEGER NOT NULL,
  allowed INTEGER NOT NULL,
  blocked_per_week REAL NOT NULL,
  summary TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS policy_changes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  session TEXT NOT NULL,
  change TEXT NOT NULL,
  api_version TEXT NOT NULL,
  kind TEXT NOT NULL,
  namespace TEXT,
  name TEXT NOT NULL,
  manager TEXT,
  hash TEXT,
  object TEXT
);
CREATE INDEX IF NOT EXISTS policy_changes_at ON policy_changes(at);
`;

/** Schema changes after the first release, in order; `PRAGMA user_version` says how many ran. */
const MIGRATIONS: ((db: Database.Database) => void)[] = [
  // 1: incident figures of each flow summary
  (db) => {
    const columns = new Set((db.prepare('PRAGMA table_info(flow_summaries)').all() as { name: string }[]).map((c) => c.name));
    for (const [name, type] of [['incidents', 'INTEGER'], ['open_incidents', 'INTEGER'], ['mttr_ms', 'REAL']] as const) {
      if (!columns.has(name)) db.exec(`ALTER TABLE flow_summaries ADD COLUMN ${name} ${type}`);
    }
  },
  // 2: the cluster each row belongs to. Runs recorded before get the cluster their label names (see
  // clusterOfRunLabel; NULL for "live cluster"); flow summaries and policy changes get NULL, since
  // their labels name logs and sessions, not clusters. Readers match NULL rows by label, as before.
  (db) => {
    for (const table of ['runs', 'flow_summaries', 'policy_changes']) {
      const columns = new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));
      if (!columns.has('cluster')) db.exec(`ALTER TABLE ${table} ADD COLUMN cluster TEXT`);
      db.exec(`CREATE INDEX IF NOT EXISTS ${table}_cluster ON ${table}(cluster)`);
    }
    const update = db.prepare('UPDATE runs SET cluster = ? WHERE id = ?');
    for (const r of db.prepare('SELECT id, label FROM runs WHERE cluster IS NULL').all() as { id: number; label: unknown }[]) {
      const cluster = typeof r.label === 'string' ? clusterOfRunLabel(r.label) : null;
      if (cluster !== null) update.run(cluster, r.id);
    }
  },
];

/** A policy change as `watch --record` writes it. */
export interface PolicyChangeRow {
  session: string;
  change: RecordedPolicyChange['change'];
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  manager?: string;
  hash?: string;
  object?: unknown;
}

export interface StoreOptions {
  /** A row that cannot be read (invalid JSON, a wrong shape) is skipped; this says which. */
  warn?: (message: string) => void;
  /** The cluster the rows written through this store belong to (store/cluster.ts names it). */
  cluster?: string;
}

/**
 * Every failure (a directory or a non-database at the path, a read-only location, a full disk, a
 * corrupt file) becomes an EnvironmentError naming the path, the cause and the remedy.
 */
export class HistoryStore {
  private readonly db: Database.Database;
  private readonly warn: (message: string) => void;
  /** Written into every row this store records; null when the writer knows no cluster. */
  private readonly cluster: string | null;

  constructor(
    readonly path: string,
    options: StoreOptions = {},
  ) {
    this.warn = options.warn ?? (() => undefined);
    this.cluster = options.cluster ?? null;
    let db: Database.Database | undefined;
    const existed = existsSync(path);
    let made: string[] = [];
    try {
      made = makeDirectories(dirname(path));
      // required here, not imported: commands that never record should not pay for loading SQLite
      const SQLite = createRequire(import.meta.url)('better-sqlite3') as typeof Database;
      db = new SQLite(path, { timeout: 15000 });
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      db.exec(SCHEMA);
      this.db = db;
      this.migrate();
    } catch (e) {
      db?.close();
      // a failed first open leaves nothing behind: no empty database, no directories
      if (!existed) for (const f of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) rmSync(f, { force: true });
      for (const d of made.reverse()) {
        try {
          rmdirSync(d);
        } catch {
          // not empty: someone else uses it
        }
      }
      throw historyError(e, path, 'open');
    }
  }

  private guard<T>(doing: string, work: () => T): T {
    try {
      return work();
    } catch (e) {
      throw historyError(e, this.path, doing);
    }
  }

  /** Parses a stored JSON column; a row that does not parse, or has the wrong shape, is skipped with a warning. */
  private parsed<T>(table: string, id: number, text: string, valid: (v: unknown) => boolean): T | undefined {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    if (value !== undefined && valid(value)) return value as T;
    this.warn(`${this.path}: ${table} row ${id} is not readable (invalid JSON or an unexpected shape); skipped`);
    return undefined;
  }

  /** Runs the migrations this file has not seen yet, once, even with concurrent podwall runs. */
  private migrate(): void {
    const version = (): number => this.db.pragma('user_version', { simple: true }) as number;
    if (version() >= MIGRATIONS.length) return;
    this.db
      .transaction(() => {
        for (let v = version(); v < MIGRATIONS.length; v++) MIGRATIONS[v]!(this.db);
        this.db.pragma(`user_version = ${MIGRATIONS.length}`);
      })
      .immediate();
  }

  /** The incident figures of a recorded flow summary (its columns, for queries and `history`). */
  recordIncidentFigures(flowSummaryId: number, f: IncidentFigures): void {
    this.db.prepare('UPDATE flow_summaries SET incidents = ?, open_incidents = ?, mttr_ms = ? WHERE id = ?').run(f.count, f.open, f.mttrMs ?? null, flowSummaryId);
  }

  /** Flow summary id -> its incident figures, for the summaries that have them. */
  incidentFigures(ids: readonly number[]): Map<number, IncidentFigures> {
    const out = new Map<number, IncidentFigures>();
    const q = this.db.prepare('SELECT incidents, open_incidents, mttr_ms FROM flow_summaries WHERE id = ? AND incidents IS NOT NULL');
    for (const id of ids) {
      const r = q.get(id) as { incidents: number; open_incidents: number; mttr_ms: number | null } | undefined;
      if (r) out.set(id, { count: r.incidents, open: r.open_incidents, closed: r.incidents - r.open_incidents, ...(r.mttr_ms !== null ? { mttrMs: r.mttr_ms } : {}) });
    }
    return out;
  }

  /**
   * The incident figures over every recorded flow summary that has them, for the metrics: sums
   * (like the flow counters), and the open incidents and MTTR of the latest such summary. With
   * `cluster`, that cluster's summaries and those recorded without one.
   * Undefined when no summary carries incident figures.
   */
  incidentTotals(cluster?: string): { summaries: number; opened: number; resolved: number; resolutionMs: number; open: number; mttrMs?: number } | undefined {
    const { and, args } = ofCluster(cluster);
    const t = this.db
      .prepare(`SELECT COUNT(*) AS summaries, COALESCE(SUM(incidents), 0) AS opened, COALESCE(SUM(incidents - open_incidents), 0) AS resolved, COALESCE(SUM(COALESCE(mttr_ms, 0) * (incidents - open_incidents)), 0) AS resolutionMs FROM flow_summaries WHERE incidents IS NOT NULL${and}`)
      .get(...args) as { summaries: number; opened: number; resolved: number; resolutionMs: number };
    if (t.summaries === 0) return undefined;
    const latest = this.db.prepare(`SELECT open_incidents AS open, mttr_ms AS mttrMs FROM flow_summaries WHERE incidents IS NOT NULL${and} ORDER BY at DESC, id DESC LIMIT 1`).get(...args) as { open: number; mttrMs: number | null };
    return { ...t, open: latest.open, ...(latest.mttrMs !== null ? { mttrMs: latest.mttrMs } : {}) };
  }

  /** Policy changes seen by `watch`, in one transaction (a baseline and its listed objects together). */
  recordPolicyChanges(rows: readonly PolicyChangeRow[], at = new Date()): void {
    const insert = this.db.prepare('INSERT INTO policy_changes (at, session, change, api_version, kind, namespace, name, manager, hash, object, cluster) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    this.db
      .transaction(() => {
        for (const r of rows) insert.run(at.toISOString(), r.session, r.change, r.apiVersion, r.kind, r.namespace ?? null, r.name, r.manager ?? null, r.hash ?? null, r.object === undefined ? null : JSON.stringify(r.object), this.cluster);
      })
      .immediate();
  }

  /** Every recorded policy change, oldest first; with `cluster`, that cluster's and those recorded without one. */
  /** The clusters policy changes were recorded for (rows without one aside), sorted. */
  policyChangeClusters(): string[] {
    return (this.db.prepare('SELECT DISTINCT cluster FROM policy_changes WHERE cluster IS NOT NULL ORDER BY cluster').all() as { cluster: string }[]).map((r) => String(r.cluster));
  }

  policyChanges(cluster?: string): RecordedPolicyChange[] {
    const rows = (cluster === undefined ? this.db.prepare('SELECT * FROM policy_changes ORDER BY at, id').all() : this.db.prepare('SELECT * FROM policy_changes WHERE cluster = ? OR cluster IS NULL ORDER BY at, id').all(cluster)) as { id: number; at: string; session: string; change: RecordedPolicyChange['change']; api_version: string; kind: string; namespace: string | null; name: string; manager: string | null; object: string | null }[];
    return rows.map((r) => ({
      id: r.id,
      at: Date.parse(r.at),
      session: r.session,
      change: r.change,
      apiVersion: r.api_version,
      kind: r.kind,
      ...(r.namespace !== null ? { namespace: r.namespace } : {}),
      name: r.name,
      ...(r.manager !== null ? { manager: r.manager } : {}),
      ...(r.object !== null ? { object: JSON.parse(r.object) as unknown } : {}),
      source: `${this.path}#${r.id}`,
    }));
  }

  recordAudit(result: AuditResult, label: string, at = new Date()): number {
    return this.guard('record the run in', () => this.insertAudit(result, label, at));
  }

  private insertAudit(result: AuditResult, label: string, at: Date): number {
    const insertRun = this.db.prepare('INSERT INTO runs (at, label, kpis, cluster) VALUES (?, ?, ?, ?)');
    const insertFinding = this.db.prepare('INSERT INTO findings (run_id, check_id, severity, object, file, line, message) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const tx = this.db.transaction(() => {
      const id = Number(insertRun.run(at.toISOString(), label, JSON.stringify(result.kpis), this.cluster).lastInsertRowid);
      for (const f of result.findings) insertFinding.run(id, f.check, f.severity, f.object, f.location?.file ?? null, f.location?.line ?? null, f.message);
      return id;
    });
    return tx.immediate();
  }

  recordFlows(s: FlowSummary, label: string, at = new Date()): number {
    return this.guard('record the flow summary in', () => this.insertFlows(s, label, at));
  }

  private insertFlows(s: FlowSummary, label: string, at: Date): number {
    const r = this.db
      .prepare('INSERT INTO flow_summaries (at, label, first, last, denied, allowed, blocked_per_week, summary, cluster) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(at.toISOString(), label, s.first ?? null, s.last ?? null, s.denied, s.allowed, s.blockedPerWeek, JSON.stringify(s), this.cluster);
    return Number(r.lastInsertRowid);
  }

  flowSummaries(limit = 50, scope?: RowScope): { id: number; at: string; label: string; summary: FlowSummary; cluster?: string }[] {
    const rows = this.guard('read', () => this.scoped<{ id: number; at: string; label: string; summary: string; cluster: string | null }>('SELECT id, at, label, summary, cluster FROM flow_summaries', limit, scope));
    const out: { id: number; at: string; label: string; summary: FlowSummary; cluster?: string }[] = [];
    for (const r of rows) {
      const summary = this.parsed<FlowSummary>('flow_summaries', r.id, r.summary, isFlowSummary);
      if (summary) out.push({ id: r.id, at: String(r.at), label: String(r.label), summary, ...(r.cluster !== null ? { cluster: String(r.cluster) } : {}) });
    }
    return out;
  }

  /**
   * The latest `limit` rows of a query (oldest first), of one cluster when `scope` says so: the rows
   * recorded for it, and the rows without a cluster whose label the scope accepts.
   */
  private scoped<T extends { id: number; at: string; label: string; cluster: string | null }>(select: string, limit: number, scope?: RowScope): T[] {
    const order = ' ORDER BY at DESC, id DESC LIMIT ?';
    if (!scope) return (this.db.prepare(select + order).all(limit) as T[]).reverse();
    const mine = this.db.prepare(`${select} WHERE cluster = ?${order}`).all(scope.cluster, limit) as T[];
    const unnamed = scope.orLabel ? (this.db.prepare(`${select} WHERE cluster IS NULL ORDER BY at DESC, id DESC`).all() as T[]).filter((r) => typeof r.label === 'string' && scope.orLabel!(r.label)) : [];
    const newestFirst = (a: T, b: T): number => (a.at < b.at ? 1 : a.at > b.at ? -1 : b.id - a.id);
    return [...mine, ...unnamed].sort(newestFirst).slice(0, limit).reverse();
  }

  /**
   * Flow counts summed over every recorded summary (with `cluster`, that cluster's and those recorded
   * without one): what the metrics expose as counters. Rows are only ever added, so the sums never go
   * down (recording the same logs twice counts them twice).
   */
  flowTotals(cluster?: string): FlowTotals {
    const { where, args } = ofCluster(cluster);
    const t = this.db.prepare(`SELECT COUNT(*) AS summaries, COALESCE(SUM(denied), 0) AS denied, COALESCE(SUM(allowed), 0) AS allowed FROM flow_summaries${where}`).get(...args) as { summaries: number; denied: number; allowed: number };
    const rows = this.db.prepare(`SELECT j.key AS namespace, SUM(j.value) AS n FROM flow_summaries, json_each(flow_summaries.summary, '$.by.namespace') AS j${where} GROUP BY j.key`).all(...args) as { namespace: string; n: number }[];
    const latest = this.db.prepare(`SELECT blocked_per_week AS perWeek FROM flow_summaries${where} ORDER BY at DESC, id DESC LIMIT 1`).get(...args) as { perWeek: number } | undefined;
    return { ...t, deniedByNamespace: Object.fromEntries(rows.map((r) => [r.namespace, r.n])), ...(latest ? { blockedPerWeek: latest.perWeek } : {}) };
  }

  runs(limit = 50, scope?: RowScope): RecordedRun[] {
    const rows = this.guard('read', () => this.scoped<{ id: number; at: string; label: string; kpis: string; cluster: string | null }>('SELECT id, at, label, kpis, cluster FROM runs', limit, scope));
    const out: RecordedRun[] = [];
    for (const r of rows) {
      const kpis = this.parsed<Kpis>('runs', r.id, r.kpis, isKpis);
      if (kpis) out.push({ id: r.id, at: String(r.at), label: String(r.label), kpis, ...(r.cluster !== null ? { cluster: String(r.cluster) } : {}) });
    }
    return out;
  }

  findingCounts(runId: number): Record<string, number> {
    const rows = this.guard('read', () => this.db.prepare('SELECT check_id, COUNT(*) AS n FROM findings WHERE run_id = ? GROUP BY check_id').all(runId) as { check_id: string; n: number }[]);
    return Object.fromEntries(rows.map((r) => [r.check_id, r.n]));
  }

  integrityOk(): boolean {
    return (this.db.pragma('integrity_check', { simple: true }) as string) === 'ok';
  }

  close(): void {
    this.db.close();
  }
}

/**
 * `mkdir -p`, one level at a time: Node's recursive mkdir loops for ever where a file system answers
 * ENOENT to every creation (/proc), and this names the level that failed.
 */
function makeDirectories(dir: string): string[] {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  const made: string[] = [];
  for (const d of missing) {
    mkdirSync(d);
    made.push(d);
  }
  return made;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The fields every reader of a run uses (the history table, the dashboard's trend). */
function isKpis(v: unknown): boolean {
  if (!isObject(v) || !isObject(v.findings)) return false;
  const numbers = ['defaultDenyIngress', 'defaultDenyEgress', 'podsIsolatedIngress', 'podsIsolatedEgress', 'stalePolicies'];
  return numbers.every((k) => typeof v[k] === 'number') && (v.cisScore === null || typeof v.cisScore === 'number');
}

function isFlowSummary(v: unknown): boolean {
  return isObject(v) && typeof v.denied === 'number' && typeof v.allowed === 'number' && typeof v.blockedPerWeek === 'number';
}

/** A filter on the cluster column: that cluster's rows and those recorded without one (older rows). */
function ofCluster(cluster: string | undefined): { where: string; and: string; args: string[] } {
  if (cluster === undefined) return { where: '', and: '', args: [] };
  const test = '(cluster = ? OR cluster IS NULL)';
  return { where: ` WHERE ${test}`, and: ` AND ${test}`, args: [cluster] };
}
