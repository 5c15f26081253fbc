// The history store: a real SQLite file, written by concurrent podwall processes.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HistoryStore } from '../../src/store/history.js';
import { podwall, podwallAsync } from '../helpers.js';

describe('podwall audit --record and podwall history', () => {
  it('records concurrent runs without losing or corrupting any, and shows the trend', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'podwall-db-')), 'history.db');
    const runs = await Promise.all(
      Array.from({ length: 6 }, (_, i) => podwallAsync(['audit', '-f', i % 2 ? 'examples/shop' : 'test/fixtures/audit/cluster.yaml', '--record', '--db', db, '-o', 'json'])),
    );
    for (const r of runs) {
      assert.ok(r.code === 0 || r.code === 1, r.stderr);
      assert.match(r.stderr, /recorded run \d+/);
    }
    const store = new HistoryStore(db);
    assert.ok(store.integrityOk());
    const recorded = store.runs(100);
    assert.equal(recorded.length, 6);
    const fixtureRun = recorded.find((x) => x.label.includes('fixtures'))!;
    assert.ok(store.findingCounts(fixtureRun.id)['egress-blocks-dns']! > 0, 'findings are stored with the run');
    store.close();

    const text = podwall(['history', '--db', db]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^RUN\s+WHEN\s+CIS/);
    assert.equal(text.stdout.split('\n').filter((l) => /^\d+\s/.test(l)).length, 6);
    assert.match(text.stdout, /trend over 6 runs/);
    const json = JSON.parse(podwall(['history', '--db', db, '-o', 'json']).stdout);
    assert.equal(json.runs.length, 6);
    assert.equal(typeof json.runs[0].kpis.defaultDenyIngress, 'number');
  });

  it('says how to start when there is no history yet', () => {
    const r = podwall(['history', '--db', join(tmpdir(), 'podwall-none', 'x.db')]);
    assert.equal(r.code, 0, 'nothing recorded is an answer, not an error');
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /nothing recorded yet in .*x\.db: record runs with podwall audit --record/);
    assert.deepEqual(JSON.parse(podwall(['history', '--db', join(tmpdir(), 'podwall-none', 'x.db'), '-o', 'json']).stdout), { runs: [], flows: [] });
  });
});
