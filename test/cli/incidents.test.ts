// podwall incidents through the command line, on the hand-made timeline in test/fixtures/incidents
// (the comments of its snapshots say what changed when; the two logs are one per node).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { podwall } from '../helpers.js';

const FX = 'test/fixtures/incidents';
const TIMELINE = ['--snapshot', `${FX}/before.yaml`, '--snapshot', `${FX}/after.yaml@2026-11-20T10:00:00Z`, '--snapshot', `${FX}/fixed.yaml@2026-11-20T11:00:00Z`];

describe('podwall incidents', () => {
  const r = podwall(['incidents', `${FX}/logs`, ...TIMELINE, '-o', 'json']);
  const j = JSON.parse(r.stdout || '{}');
  const byConnection = (c: string): Record<string, any> => j.incidents.find((i: { connection: string }) => i.connection === c);

  it('finds exactly the three blocked legitimate connections; first-seen and torn-down ones are not incidents', () => {
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      j.incidents.map((i: { connection: string }) => i.connection),
      ['shop/api-1 -> shop/db-1 5432/TCP', 'shop/frontend-1 -> shop/api-1 8080/TCP', 'shop/admin-1 -> shop/api-1 8080/TCP'],
    );
    assert.ok(!j.incidents.some((i: { from: string }) => i.from === 'shop/scanner-1'), 'denied, but never seen allowed');
    assert.ok(!j.incidents.some((i: { from: string }) => i.from === 'shop/legacy-1'), 'a burst of a connection last allowed a day before the change');
  });

  it('gives the right start, end and cause of a change that blocks a pair', () => {
    const i = byConnection('shop/frontend-1 -> shop/api-1 8080/TCP');
    assert.equal(i.start, '2026-11-20T10:02:00.000Z');
    assert.equal(i.startFlow.line, 13);
    assert.equal(i.end, '2026-11-20T10:31:00.000Z');
    assert.equal(i.resolvedBy.kind, 'allowed');
    assert.equal(i.durationMs, 29 * 60_000);
    assert.deepEqual([i.flows.denied, i.flows.allowedBefore], [3, 5]);
    assert.equal(i.cause.at, '2026-11-20T10:00:00.000Z');
    assert.equal(i.cause.detectedAfterMs, 2 * 60_000);
    const decisive = i.cause.objects.filter((o: { decisive: boolean }) => o.decisive);
    assert.deepEqual(decisive.map((o: { change: string; object: string }) => `${o.change} ${o.object}`), ['modified NetworkPolicy shop/api-ingress']);
    assert.deepEqual(decisive[0].who, { manager: 'kubectl-edit', operation: 'Update', time: '2026-11-20T09:59:30Z', changeCause: 'tighten api ingress (JIRA-42)' });
    assert.deepEqual(decisive[0].fields[0], { path: 'spec.ingress[0].from[0].podSelector.matchExpressions[0].values[0]', before: 'frontend', after: 'web' });
    assert.equal(i.cause.explanation.side, 'ingress');
    assert.equal(i.cause.explanation.tier, 'NetworkPolicy');
    assert.match(i.cause.explanation.text, /isolated for ingress by api-ingress, default-deny; no ingress rule matches/);
  });

  it('ends an incident at the change that lets the connection through again', () => {
    const i = byConnection('shop/api-1 -> shop/db-1 5432/TCP');
    assert.equal(i.start, '2026-11-20T10:01:00.000Z');
    assert.deepEqual([i.end, i.resolvedBy.kind], ['2026-11-20T11:00:00.000Z', 'change']);
    const decisive = i.cause.objects.filter((o: { decisive: boolean }) => o.decisive).map((o: { object: string }) => o.object);
    assert.deepEqual(decisive, ['NetworkPolicy shop/db-ingress'], 'one change point, but only db-ingress blocks this pair');
    assert.equal(i.cause.objects.find((o: { object: string }) => o.object === 'NetworkPolicy shop/db-ingress').who.manager, 'argocd-controller');
  });

  it('reports two overlapping incidents of one change, one still open at the end of the logs, and the MTTR of the closed ones', () => {
    const admin = byConnection('shop/admin-1 -> shop/api-1 8080/TCP');
    const frontend = byConnection('shop/frontend-1 -> shop/api-1 8080/TCP');
    assert.equal(admin.cause.at, frontend.cause.at);
    assert.ok(admin.start < frontend.end, 'they overlap');
    assert.equal(admin.open, true);
    assert.equal(admin.end, undefined);
    assert.equal(admin.durationMs, 80 * 60_000, 'open: up to the last flow read (11:30)');
    assert.equal(admin.flows.denied, 4);
    assert.deepEqual([j.summary.count, j.summary.open, j.summary.closed], [3, 1, 2]);
    assert.equal(j.summary.mttrMs, ((59 + 29) / 2) * 60_000);
    assert.equal(j.summary.mttr, '44m');
  });

  it('text, csv and md carry the same figures', () => {
    const text = podwall(['incidents', `${FX}/logs`, ...TIMELINE]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^policy-caused incidents: 3 \(1 open\); MTTR 44m\n/);
    assert.match(text.stdout, /#3 OPEN shop\/admin-1 -> shop\/api-1 8080\/TCP/);
    assert.match(text.stdout, /\* modified NetworkPolicy shop\/api-ingress {2}by kubectl-edit \(Update\) at 2026-11-20T09:59:30Z; change-cause: tighten api ingress \(JIRA-42\)/);
    const csv = podwall(['incidents', `${FX}/logs`, ...TIMELINE, '-o', 'csv']).stdout.trim().split('\n');
    assert.equal(csv.length, 4);
    assert.match(csv[0]!, /^id,connection,from,to,port,protocol,start,end,open,duration_s,resolved_by/);
    assert.match(csv[2]!, /^2,shop\/frontend-1 -> shop\/api-1 8080\/TCP,.*,2026-11-20T10:02:00.000Z,2026-11-20T10:31:00.000Z,false,1740,allowed,3,5,/);
    const md = podwall(['incidents', `${FX}/logs`, ...TIMELINE, '-o', 'md']).stdout;
    assert.match(md, /\| 3 \| shop\/admin-1 -> shop\/api-1 8080\/TCP \| 2026-11-20T10:10:00.000Z \| \*\*open\*\* \|/);
  });

  it('--since keeps incidents that started in the window; --until ends the observation; thresholds are flags', () => {
    const since = JSON.parse(podwall(['incidents', `${FX}/logs`, ...TIMELINE, '--since', '2026-11-20T10:05:00Z', '-o', 'json']).stdout);
    assert.deepEqual(since.incidents.map((i: { from: string }) => i.from), ['shop/admin-1']);
    const until = JSON.parse(podwall(['incidents', `${FX}/logs`, ...TIMELINE, '--until', '2026-11-20T10:20:00Z', '-o', 'json']).stdout);
    assert.deepEqual([until.summary.count, until.summary.open], [3, 3], 'frontend is allowed again at 10:31 and the db let through at 11:00: both after the window');
    assert.equal(until.summary.end, '2026-11-20T10:20:00.000Z');
    // admin was allowed only 3 times: with K = 4 it is not legitimate
    const k4 = JSON.parse(podwall(['incidents', `${FX}/logs`, ...TIMELINE, '--min-allowed', '4', '-o', 'json']).stdout);
    assert.equal(k4.summary.count, 2);
    // legacy's last allowed flow was 25 h before the change: with W = 2d its burst is an incident
    const w = JSON.parse(podwall(['incidents', `${FX}/logs`, ...TIMELINE, '--recent', '2d', '-o', 'json']).stdout);
    assert.ok(w.incidents.some((i: { from: string }) => i.from === 'shop/legacy-1'));
  });

  it('bad flags and a missing --db are usage errors (exit 2, nothing on stdout)', () => {
    for (const args of [['--recent', 'soon'], ['--min-allowed', '0'], ['--db', join(mkdtempSync(join(tmpdir(), 'podwall-inc-')), 'none.db')], ['-o', 'xml']]) {
      const bad = podwall(['incidents', `${FX}/logs`, ...TIMELINE, ...args]);
      assert.equal(bad.code, 2, args.join(' '));
      assert.equal(bad.stdout, '');
      assert.match(bad.stderr, /^podwall: /);
    }
  });
});

describe('incident figures in flows summary and history', () => {
  it('flows summary shows the count, open incidents and MTTR in every format, and --record puts them in the history', () => {
    const json = JSON.parse(podwall(['flows', 'summary', `${FX}/logs`, ...TIMELINE, '-o', 'json']).stdout);
    assert.deepEqual(json.summary.incidents, { count: 3, open: 1, closed: 2, mttrMs: 44 * 60_000 });
    assert.match(podwall(['flows', 'summary', `${FX}/logs`, ...TIMELINE]).stdout, /\npolicy-caused incidents: 3 \(1 open\); MTTR 44m\n/);
    assert.match(podwall(['flows', 'summary', `${FX}/logs`, ...TIMELINE, '-o', 'md']).stdout, /\n- policy-caused incidents: 3 \(1 open\); MTTR 44m\n/);
    assert.match(podwall(['flows', 'summary', `${FX}/logs`, ...TIMELINE, '-o', 'csv']).stdout, /\n\(policy-caused incidents\),3\n\(open incidents\),1\n\(MTTR seconds\),2640\n$/);
    const db = join(mkdtempSync(join(tmpdir(), 'podwall-inc-db-')), 'h.db');
    assert.equal(podwall(['flows', 'summary', `${FX}/logs`, ...TIMELINE, '--record', '--db', db]).code, 0);
    const hist = JSON.parse(podwall(['history', '--db', db, '-o', 'json']).stdout);
    assert.deepEqual(hist.flows[0].incidents, { count: 3, open: 1, closed: 2, mttrMs: 44 * 60_000 });
    assert.match(podwall(['history', '--db', db]).stdout, /FLOWS +WHEN +DENIED +BLOCKED\/WEEK +INCIDENTS +OPEN +MTTR +SOURCE\n1 +\S+ \S+ +\d+ +\S+ +3 +1 +44m /);
  });
});
