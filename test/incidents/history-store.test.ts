// The history database: a file written before incidents existed gains their columns once, and
// recorded policy changes read back as the timeline takes them.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HistoryStore } from '../../src/store/history.js';

describe('history store: incidents', () => {
  it('migrates a database written before the incident columns, keeping its rows', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'podwall-mig-')), 'old.db');
    const old = new Database(path);
    old.exec(`CREATE TABLE flow_summaries (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, label TEXT NOT NULL, first TEXT, last TEXT, denied INTEGER NOT NULL, allowed INTEGER NOT NULL, blocked_per_week REAL NOT NULL, summary TEXT NOT NULL);
      INSERT INTO flow_summaries (at, label, denied, allowed, blocked_per_week, summary) VALUES ('2026-11-01T00:00:00.000Z', 'old', 5, 7, 5, '{"denied":5,"allowed":7,"blockedPerWeek":5}');`);
    old.close();
    const store = new HistoryStore(path);
    assert.equal(store.flowSummaries()[0]!.label, 'old');
    assert.equal(store.incidentFigures([1]).size, 0, 'an old row has no figures');
    store.recordIncidentFigures(1, { count: 2, open: 1, closed: 1, mttrMs: 60_000 });
    assert.deepEqual(store.incidentFigures([1]).get(1), { count: 2, open: 1, closed: 1, mttrMs: 60_000 });
    store.close();
    // opening again runs nothing twice
    const again = new HistoryStore(path);
    assert.deepEqual(again.incidentFigures([1]).get(1), { count: 2, open: 1, closed: 1, mttrMs: 60_000 });
    assert.ok(again.integrityOk());
    again.close();
  });

  it('reads back recorded policy changes in time order', () => {
    const store = new HistoryStore(join(mkdtempSync(join(tmpdir(), 'podwall-pc-')), 'h.db'));
    store.recordPolicyChanges([{ session: 's', change: 'baseline', apiVersion: '', kind: '', name: '' }], new Date('2026-11-20T09:00:00Z'));
    store.recordPolicyChanges([{ session: 's', change: 'deleted', apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespace: 'app', name: 'x', manager: 'kubectl-delete' }], new Date('2026-11-20T10:00:00Z'));
    const rows = store.policyChanges();
    assert.deepEqual(rows.map((r) => [r.change, r.at, r.manager]), [['baseline', Date.parse('2026-11-20T09:00:00Z'), undefined], ['deleted', Date.parse('2026-11-20T10:00:00Z'), 'kubectl-delete']]);
    store.close();
  });
});
