/**
 * The history of audit runs (and later flow summaries) in an embedded SQLite file. WAL mode and a
 * busy timeout let concurrent podwall runs record without corrupting it or failing.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AuditResult, Kpis } from '../audit/run.js';
import type { FlowSummary } from '../flows/summary.js';
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

export class HistoryStore {
  private readonly db: Database.Database;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path, { timeout: 15000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    this.migrate();
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

  /** Policy changes seen by `watch`, in one transaction (a baseline and its listed objects together). */
  recordPolicyChanges(rows: readonly PolicyChangeRow[], at = new Date()): void {
    const insert = this.db.prepare('INSERT INTO policy_changes (at, session, change, api_version, kind, namespace, name, manager, hash, object) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    this.db
      .transaction(() => {
        for (const r of rows) insert.run(at.toISOString(), r.session, r.change, r.apiVersion, r.kind, r.namespace ?? null, r.name, r.manager ?? null, r.hash ?? null, r.object === undefined ? null : JSON.stringify(r.object));
      })
      .immediate();
  }

  /** Every recorded policy change, oldest first. */
  policyChanges(): RecordedPolicyChange[] {
    const rows = this.db.prepare('SELECT * FROM policy_changes ORDER BY at, id').all() as { id: number; at: string; session: string; change: RecordedPolicyChange['change']; api_version: string; kind: string; namespace: string | null; name: string; manager: string | null; object: string | null }[];
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
    const insertRun = this.db.prepare('INSERT INTO runs (at, label, kpis) VALUES (?, ?, ?)');
    const insertFinding = this.db.prepare('INSERT INTO findings (run_id, check_id, severity, object, file, line, message) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const tx = this.db.transaction(() => {
      const id = Number(insertRun.run(at.toISOString(), label, JSON.stringify(result.kpis)).lastInsertRowid);
      for (const f of result.findings) insertFinding.run(id, f.check, f.severity, f.object, f.location?.file ?? null, f.location?.line ?? null, f.message);
      return id;
    });
    return tx.immediate();
  }

  recordFlows(s: FlowSummary, label: string, at = new Date()): number {
    const r = this.db
      .prepare('INSERT INTO flow_summaries (at, label, first, last, denied, allowed, blocked_per_week, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(at.toISOString(), label, s.first ?? null, s.last ?? null, s.denied, s.allowed, s.blockedPerWeek, JSON.stringify(s));
    return Number(r.lastInsertRowid);
  }

  flowSummaries(limit = 50): { id: number; at: string; label: string; summary: FlowSummary }[] {
    const rows = this.db.prepare('SELECT id, at, label, summary FROM flow_summaries ORDER BY at DESC, id DESC LIMIT ?').all(limit) as { id: number; at: string; label: string; summary: string }[];
    return rows.reverse().map((r) => ({ id: r.id, at: r.at, label: r.label, summary: JSON.parse(r.summary) as FlowSummary }));
  }

  runs(limit = 50): RecordedRun[] {
    const rows = this.db.prepare('SELECT id, at, label, kpis FROM runs ORDER BY at DESC, id DESC LIMIT ?').all(limit) as { id: number; at: string; label: string; kpis: string }[];
    return rows.reverse().map((r) => ({ id: r.id, at: r.at, label: r.label, kpis: JSON.parse(r.kpis) as Kpis }));
  }

  findingCounts(runId: number): Record<string, number> {
    const rows = this.db.prepare('SELECT check_id, COUNT(*) AS n FROM findings WHERE run_id = ? GROUP BY check_id').all(runId) as { check_id: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.check_id, r.n]));
  }

  integrityOk(): boolean {
    return (this.db.pragma('integrity_check', { simple: true }) as string) === 'ok';
  }

  close(): void {
    this.db.close();
  }
}
