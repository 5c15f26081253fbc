// Counted flows (CloudWatch tuples) back into flows, and the query's rows into tuples.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flowsInTimeOrder, type AggregatedFlow } from '../../src/flows/aggregated.js';
import { parseCloudWatchLine } from '../../src/flows/formats.js';
import { parseAddress } from '../../src/net/ip.js';
import { flowQuery, readRow } from '../../src/sources/cloudwatch-query.js';
import { evaluate } from '../fixtures/cloudwatch-logs.js';

const flow = (src: string, verdict: 'allow' | 'deny' = 'deny') => ({ src: parseAddress(src)!, dst: parseAddress('10.0.0.2')!, dstPort: 80, protocol: 'TCP' as const, verdict });

describe('flowsInTimeOrder', () => {
  it('gives one flow per line counted, every tuple but its last line at its first time, in time order', () => {
    const tuples: AggregatedFlow[] = [
      { flow: flow('10.0.0.1'), count: 3, first: 1000, last: 5000 },
      { flow: flow('10.0.0.3', 'allow'), count: 1, first: 2000, last: 2000 },
      { flow: flow('10.0.0.4'), count: 2, first: 3000, last: 3000 },
    ];
    const out = [...flowsInTimeOrder(tuples)].map((f) => `${f.src.text}@${f.time}`);
    assert.deepEqual(out, ['10.0.0.1@1000', '10.0.0.1@1000', '10.0.0.3@2000', '10.0.0.4@3000', '10.0.0.4@3000', '10.0.0.1@5000']);
  });
});

describe('the Insights query and its rows', () => {
  it('counts the agent\'s messages of every version as the file parser reads them, and nothing else', () => {
    const lines = [
      'Node: n;SIP: 10.0.1.10;SPORT: 41000;DIP: 10.0.1.12;DPORT: 5432;PROTOCOL: TCP;PolicyVerdict: DENY',
      'Node: n;SIP: 10.0.1.10;SPORT: 41001;DIP: 10.0.1.12;DPORT: 5432;PROTOCOL: TCP;PolicyVerdict: DENY;Tier: NETWORK_POLICY',
      'Node: n;SIP: fd00::10;SPORT: 41002;DIP: fd00::12;DPORT: 53;PROTOCOL: UDP;PolicyVerdict: EXPIRED/DELETED;Tier: DEFAULT',
      'I1120 08:00:00.000000 1 controller.go:123] a control-plane line',
    ];
    const events = lines.map((message, i) => ({ timestamp: Date.parse('2026-11-20T08:00:00Z') + i * 1000, message }));
    const { rows, statistics } = evaluate(flowQuery(0, Date.parse('2026-11-21T00:00:00Z')), events);
    assert.equal(statistics.recordsMatched, 3);
    const tuples = rows.map((r) => readRow(Object.fromEntries(r.map((f) => [f.field, f.value]))));
    assert.deepEqual(
      tuples.map((t) => (t.kind === 'flow' ? `${t.tuple.flow.src.text} ${t.tuple.flow.dst.text}:${t.tuple.flow.dstPort}/${t.tuple.flow.protocol} ${t.tuple.flow.verdict} x${t.tuple.count} ${t.tuple.first}-${t.tuple.last}` : t.kind)),
      ['10.0.1.10 10.0.1.12:5432/TCP deny x2 1795161600000-1795161601000', 'fd00::10 fd00::12:53/UDP expired x1 1795161602000-1795161602000'],
    );
    // the same fields as the file parser takes from the same messages
    const fromFile = new Set(lines.map((l) => parseCloudWatchLine(l)).flatMap((r) => (r.kind === 'flow' ? [`${r.flow.src.text} ${r.flow.dst.text}:${r.flow.dstPort}/${r.flow.protocol} ${r.flow.verdict}`] : [])));
    const fromQuery = new Set(tuples.flatMap((t) => (t.kind === 'flow' ? [`${t.tuple.flow.src.text} ${t.tuple.flow.dst.text}:${t.tuple.flow.dstPort}/${t.tuple.flow.protocol} ${t.tuple.flow.verdict}`] : [])));
    assert.deepEqual(fromQuery, fromFile);
  });

  it('reads ICMP as not a policy flow, broken rows as malformed with their count, and Insights time text', () => {
    const base = { sip: '10.0.0.1', dip: '10.0.0.2', dport: '80', proto: 'TCP', verdict: 'ACCEPT', flows: '4', first: '2026-11-20 08:00:00.000', last: '2026-11-20 08:59:59.999' };
    const ok = readRow(base);
    assert.ok(ok.kind === 'flow' && ok.tuple.first === Date.parse('2026-11-20T08:00:00Z') && ok.tuple.last === Date.parse('2026-11-20T08:59:59.999Z'));
    const exp = readRow({ ...base, first: '1.7951616E12', last: '1795161600001' });
    assert.ok(exp.kind === 'flow' && exp.tuple.first === 1795161600000 && exp.tuple.last === 1795161600001);
    assert.deepEqual(readRow({ ...base, proto: 'ICMP' }), { kind: 'skip', count: 4 });
    assert.deepEqual(readRow({ ...base, sip: '10.0.0.300' }), { kind: 'malformed', count: 4, reason: 'invalid source address "10.0.0.300"' });
    assert.equal(readRow({ ...base, dport: '70000' }).kind, 'malformed');
    assert.equal(readRow({ ...base, verdict: 'MAYBE' }).kind, 'malformed');
    assert.equal(readRow({ ...base, flows: undefined }).kind, 'malformed');
  });

  it('compares milliseconds, so spans cut anywhere meet exactly', () => {
    const q = flowQuery(1795766400123, 1795766400456);
    assert.match(q, /ms >= 1795766400123 and ms < 1795766400456/);
    const at = (t: number) => ({ timestamp: t, message: 'Node: n;SIP: 10.0.0.1;SPORT: 1;DIP: 10.0.0.2;DPORT: 80;PROTOCOL: TCP;PolicyVerdict: DENY' });
    assert.equal(evaluate(q, [at(1795766400122), at(1795766400123), at(1795766400455), at(1795766400456)]).statistics.recordsMatched, 2);
  });
});
