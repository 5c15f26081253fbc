// History rows name their cluster: a database of the old schema migrates (old runs get the cluster
// their label names), and two clusters recorded in one database are kept apart by `podwall history
// --cluster-name` and by the dashboard, even when they were audited from the same files.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type Database from 'better-sqlite3';
import { HistoryStore } from '../../src/store/history.js';
import { podwall, podwallAsync } from '../helpers.js';
import { killAll, serve, stop } from '../web/serve-process.js';

const SQLite = createRequire(import.meta.url)('better-sqlite3') as typeof Database;

/** The schema as podwall wrote it before rows had a cluster (user_version 1). */
const OLD_DDL = `
CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, label TEXT NOT NULL, kpis TEXT NOT NULL);
CREATE TABLE findings (run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, check_id TEXT NOT NULL, severity TEXT NOT NULL, object TEXT NOT NULL, file TEXT, line INTEGER, message TEXT NOT NULL);
CREATE INDEX findings_run ON findings(run_id);
CREATE TABLE flow_summaries (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, label TEXT NOT NULL, first TEXT, last TEXT, denied INTEGER NOT NULL, allowed INTEGER NOT NULL, blocked_per_week REAL NOT NULL, summary TEXT NOT NULL, incidents INTEGER, open_incidents INTEGER, mttr_ms REAL);
CREATE TABLE policy_changes (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, session TEXT NOT NULL, change TEXT NOT NULL, api_version TEXT NOT NULL, kind TEXT NOT NULL, namespace TEXT, name TEXT NOT NULL, manager TEXT, hash TEXT, object TEXT);
CREATE INDEX policy_changes_at ON policy_changes(at);
PRAGMA user_version = 1;
`;

const KPIS = JSON.stringify({ findings: { error: 1, warning: 2, info: 0 }, defaultDenyIngress: 0.5, defaultDenyEgress: 0.25, podsIsolatedIngress: 0.5, podsIsolatedEgress: 0.5, stalePolicies: 0, cisScore: 50 });
const SUMMARY = JSON.stringify({ denied: 3, allowed: 4, blockedPerWeek: 3, by: { namespace: { shop: 3 } } });

/** What `podwall serve ARGS` (for the specification, on the server's own thread) answers at `path`. */
async function served(args: string[], path: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const s = await serve(['--dataplane', 'kubernetes', ...args], { PODWALL_SERVE_THREADS: '0' });
  try {
    return await (await fetch(s.origin + path)).json();
  } finally {
    await stop(s);
  }
}

after(killAll);

describe('history: the cluster of each row', () => {
  it('migrates a database of the old schema: old runs get the cluster their label names, flow summaries none', () => {
    const db = join(mkdtempSync(join(tmpdir(), 'podwall-migrate-')), 'old.db');
    const old = new SQLite(db);
    old.exec(OLD_DDL);
    const run = old.prepare('INSERT INTO runs (at, label, kpis) VALUES (?, ?, ?)');
    run.run('2026-01-01T00:00:00.000Z', 'cluster:prod', KPIS); // watch --record
    run.run('2026-01-02T00:00:00.000Z', './examples/shop/', KPIS); // audit -f
    run.run('2026-01-03T00:00:00.000Z', 'live cluster', KPIS); // audit of the current context, unnamed
    run.run('2026-01-04T00:00:00.000Z', 'staging', KPIS); // audit --cluster staging (or --context staging)
    old.prepare('INSERT INTO flow_summaries (at, label, denied, allowed, blocked_per_week, summary) VALUES (?, ?, 3, 4, 3, ?)').run('2026-01-05T00:00:00.000Z', 'logs/node1', SUMMARY);
    old.prepare("INSERT INTO policy_changes (at, session, change, api_version, kind, name) VALUES ('2026-01-01T00:00:00.000Z', 's', 'baseline', '', '', '')").run();
    old.close();

    const store = new HistoryStore(db);
    try {
      assert.deepEqual(
        store.runs().map((r) => [r.label, r.cluster ?? null]),
        [
          ['cluster:prod', 'prod'],
          ['./examples/shop/', 'examples/shop'],
          ['live cluster', null],
          ['staging', 'staging'],
        ],
      );
      assert.equal(store.flowSummaries()[0]!.cluster, undefined, 'a flow summary\'s label names logs, not a cluster');
      assert.equal(store.policyChanges('prod').length, 1, 'a policy change without a cluster is any cluster\'s');
      assert.ok(store.integrityOk());
    } finally {
      store.close();
    }
    // opening again migrates nothing twice, and every reader works on the migrated file
    const check = new SQLite(db, { readonly: true });
    assert.equal(check.pragma('user_version', { simple: true }), 2);
    check.close();
    const all = JSON.parse(podwall(['history', '--db', db, '-o', 'json']).stdout);
    assert.equal(all.runs.length, 4);
    const prod = podwall(['history', '--db', db, '--cluster-name', 'prod']);
    assert.equal(prod.code, 0, prod.stderr);
    assert.deepEqual(prod.stdout.split('\n').filter((l) => /^\d+\s/.test(l)).map((l) => l.split(/\s{2,}/).slice(-2)), [['prod', 'cluster:prod']]);
    assert.equal(JSON.parse(podwall(['history', '--db', db, '--cluster-name', 'examples/shop', '-o', 'json']).stdout).runs.length, 1);
  });

  it('keeps two clusters apart in one database, even when audited from the same files', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'podwall-clusters-')), 'h.db');
    const record = (args: string[]) => podwallAsync([...args, '--record', '--db', db]);
    const runs = await Promise.all([
      record(['audit', '-f', 'examples/shop', '--cluster-name', 'blue']),
      record(['audit', '-f', 'examples/shop', '--cluster-name', 'green']),
      record(['audit', '-f', 'examples/shop', '--cluster-name', 'green']),
      record(['audit', '-f', 'examples/shop']),
      record(['flows', 'summary', 'test/fixtures/flows/logs', '-f', 'test/fixtures/flows/cluster.yaml', '--cluster-name', 'green']),
    ]);
    for (const r of runs) assert.ok(r.code === 0 || r.code === 1, r.stderr);
    const history = (name?: string) => JSON.parse(podwall(['history', '--db', db, '-o', 'json', ...(name ? ['--cluster-name', name] : [])]).stdout);
    assert.equal(history().runs.length, 4);
    assert.deepEqual(history('blue').runs.map((r: { cluster: string; label: string }) => `${r.cluster} ${r.label}`), ['blue examples/shop']);
    assert.deepEqual(history('green').runs.map((r: { cluster: string }) => r.cluster), ['green', 'green']);
    assert.equal(history('green').flows.length, 1);
    assert.equal(history('green').flows[0].cluster, 'green');
    assert.equal(history('blue').flows.length, 0, 'the flows were recorded for green');
    assert.deepEqual(history('examples/shop').runs.map((r: { cluster: string }) => r.cluster), ['examples/shop'], 'without --cluster-name a run is its files\' cluster');
    const none = podwall(['history', '--db', db, '--cluster-name', 'red']);
    assert.equal(none.code, 0);
    assert.match(none.stderr, /nothing recorded for cluster red/);
    assert.equal(podwall(['audit', '-f', 'examples/shop', '--cluster-name', 'x']).code, 2, '--cluster-name without --record names nothing');

    const [blue, green, files] = await Promise.all([
      served(['-f', 'examples/shop', '--db', db, '--cluster-name', 'blue'], '/api/history'),
      served(['-f', 'examples/shop', '--db', db, '--cluster-name', 'green'], '/api/history'),
      served(['-f', './examples/shop/', '--db', db], '/api/history'),
    ]);
    assert.equal(blue.runs.length, 1);
    assert.equal(blue.flows.length, 0);
    assert.equal(green.runs.length, 2);
    assert.equal(green.flows.length, 1);
    assert.equal(green.cluster, 'green');
    // the label of every run here is examples/shop: only the cluster tells them apart
    assert.equal(files.runs.length, 1);
    assert.equal(files.cluster, 'examples/shop');
  });
});
