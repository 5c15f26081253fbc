// One history database shared by the watchers of two clusters: incidents and flows summary must not
// blame one cluster's policy change for the other's blocked flows. Without --cluster-name such a
// database is refused (exit 2); with it, only that cluster's changes (and rows recorded without a
// cluster) are read.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HistoryStore, type PolicyChangeRow } from '../../src/store/history.js';
import { podwall } from '../helpers.js';

const FX = 'test/fixtures/incidents';
const TIMELINE = ['--snapshot', `${FX}/before.yaml`, '--snapshot', `${FX}/after.yaml@2026-11-20T10:00:00Z`];
const EARLY = new Date('2026-11-01T00:00:00Z'); // before every snapshot: such changes are counted and left out

function change(name: string): PolicyChangeRow {
  return { session: 's1', change: 'added', apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespace: 'shop', name, manager: 'kubectl', object: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'shop' }, spec: { podSelector: {} } } };
}

function sharedDb(): string {
  const db = join(mkdtempSync(join(tmpdir(), 'podwall-inc-clusters-')), 'h.db');
  for (const [cluster, names] of [['prod', ['a1']], ['staging', ['b1', 'b2']]] as const) {
    const store = new HistoryStore(db, { cluster });
    store.recordPolicyChanges(names.map(change), EARLY);
    store.close();
  }
  return db;
}

describe('a history database holding two clusters', () => {
  const db = sharedDb();

  it('the store reads one cluster\'s policy changes, and names the clusters it holds', () => {
    const store = new HistoryStore(db);
    try {
      assert.deepEqual(store.policyChangeClusters(), ['prod', 'staging']);
      assert.deepEqual(store.policyChanges('staging').map((c) => c.name), ['b1', 'b2']);
      assert.deepEqual(store.policyChanges('prod').map((c) => c.name), ['a1']);
    } finally {
      store.close();
    }
  });

  it('incidents --db without --cluster-name is refused, naming both clusters (exit 2, nothing on stdout)', () => {
    const r = podwall(['incidents', `${FX}/logs`, ...TIMELINE, '--db', db]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /holds the policy changes of 2 clusters \(prod, staging\): give --cluster-name/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('incidents --db --cluster-name reads that cluster\'s changes only', () => {
    const r = podwall(['incidents', `${FX}/logs`, ...TIMELINE, '--db', db, '--cluster-name', 'staging', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /2 recorded policy changes came before any snapshot/);
    const p = podwall(['incidents', `${FX}/logs`, ...TIMELINE, '--db', db, '--cluster-name', 'prod', '-o', 'json']);
    assert.match(p.stderr, /1 recorded policy changes came before any snapshot/);
  });

  it('--cluster-name without --db is a usage error', () => {
    const r = podwall(['incidents', `${FX}/logs`, ...TIMELINE, '--cluster-name', 'prod']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /give --db too/);
  });

  it('flows summary --db is refused the same way, and scoped by --cluster-name', () => {
    const r = podwall(['flows', 'summary', `${FX}/logs`, ...TIMELINE, '--db', db]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /2 clusters \(prod, staging\)/);
    const s = podwall(['flows', 'summary', `${FX}/logs`, ...TIMELINE, '--db', db, '--cluster-name', 'prod', '-o', 'json']);
    assert.equal(s.code, 0, s.stderr);
  });
});
