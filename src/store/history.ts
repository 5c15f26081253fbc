/**
 * The history of audit runs (and later flow summaries) in an embedded SQLite file. WAL mode and a
 * busy timeout let concurrent podwall runs record without corrupting it or failing.
 */
import type Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AuditResult, Kpis } from '../audit/run.js';
import type { FlowSummary } from '../flows/summary.js';

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
`;

export class HistoryStore {
  private readonly db: Database.Database;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    // required here, not imported: commands that never record should not pay for loading SQLite
    const SQLite = createRequire(import.meta.url)('better-sqlite3') as typeof Database;
    this.db = new SQLite(path, { timeout: 15000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
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
