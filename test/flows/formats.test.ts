// Each flow log format, line by line, from hand-written lines of the formats the agents print.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectFormat, parseAgentLine, parseCloudWatchLine, parseCsvLine, parseJsonlLine, parseVpcLine } from '../../src/flows/formats.js';
import type { LineResult } from '../../src/flows/record.js';
import { isoWeek } from '../../src/flows/summary.js';
import { mergeAddresses } from '../../src/advise/cidrs.js';
import { parseAddress } from '../../src/net/ip.js';

function flow(r: LineResult) {
  if (r.kind !== 'flow') assert.fail(`expected a flow, got ${r.kind}${r.kind === 'malformed' ? `: ${r.reason}` : ''}`);
  return (r as Extract<LineResult, { kind: 'flow' }>).flow;
}

describe('EKS network policy agent log', () => {
  it('before v1.2.2: structured fields', () => {
    const f = flow(parseAgentLine('{"level":"info","ts":"2026-11-21T10:00:00.000Z","logger":"ebpf-client","msg":"Flow Info:  ","Src IP":"52.217.65.212","Src Port":443,"Dest IP":"10.1.202.70","Dest Port":40114,"Proto":"TCP","Verdict":"DENY"}'));
    assert.deepEqual([f.src.text, f.srcPort, f.dst.text, f.dstPort, f.protocol, f.verdict, f.time], ['52.217.65.212', 443, '10.1.202.70', 40114, 'TCP', 'deny', Date.UTC(2026, 10, 21, 10)]);
  });
  it('from v1.2.2: one message string, and the IPv4 line that lost its protocol and verdict to %!(EXTRA ...)', () => {
    const a = flow(parseAgentLine('{"level":"info","ts":"2026-11-21T10:00:00.000Z","msg":"Flow Info: Src IP: fd00::1 Src Port: 1 Dest IP: fd00::2 Dest Port: 443 Proto: UDP Verdict: ACCEPT"}'));
    assert.deepEqual([a.src.family, a.protocol, a.verdict], [6, 'UDP', 'allow']);
    const b = flow(parseAgentLine('{"level":"info","ts":"2026-11-21T10:00:00.000Z","msg":"Flow Info: Src IP: 10.0.0.1 Src Port: 1 Dest IP: 10.0.0.2 Dest Port: 80%!(EXTRA string=TCP, string=DENY)"}'));
    assert.deepEqual([b.dstPort, b.protocol, b.verdict], [80, 'TCP', 'deny']);
  });
  it('from v1.3.0: direction and tier, IPv4 without colons and IPv6 with them', () => {
    const a = flow(parseAgentLine('{"level":"info","ts":"2026-11-21T10:00:00.000Z","msg":"Flow Info: Src IP: 172.22.27.90 Src Port: 59838 Dest IP: 172.22.26.253 Dest Port: 8080 Proto TCP Verdict ACCEPT Direction ingress, Tier DEFAULT"}'));
    assert.deepEqual([a.verdict, a.direction, a.tier], ['allow', 'ingress', 'DEFAULT']);
    const b = flow(parseAgentLine('{"level":"info","ts":"2026-11-21T10:00:00.000Z","msg":"Flow Info: Src IP: fd00::9 Src Port: 5 Dest IP: fd00::11 Dest Port: 8080 Proto: TCP Verdict: EXPIRED/DELETED Direction: egress Tier: ADMIN"}'));
    assert.deepEqual([b.verdict, b.direction, b.tier], ['expired', 'egress', 'ADMIN']);
  });
  it('skips other messages and reports broken lines', () => {
    assert.equal(parseAgentLine('{"level":"info","msg":"Processing policy endpoint"}').kind, 'skip');
    assert.equal(parseAgentLine('{"level":"inf').kind, 'malformed');
    assert.match(JSON.stringify(parseAgentLine('{"msg":"Flow Info: Src IP: 10.0.0.300 Src Port: 1 Dest IP: 10.0.0.2 Dest Port: 80 Proto TCP Verdict DENY"}')), /invalid source address/);
  });
});

describe('other formats', () => {
  it('CloudWatch Logs events, with and without Tier, plain or as exported JSON', () => {
    const a = flow(parseCloudWatchLine('Node: ip-10-0-0-1;SIP: 10.0.0.5;SPORT: 1234;DIP: 10.0.0.6;DPORT: 80;PROTOCOL: TCP;PolicyVerdict: DENY'));
    assert.deepEqual([a.node, a.verdict, a.tier], ['ip-10-0-0-1', 'deny', undefined]);
    const b = flow(parseCloudWatchLine('{"timestamp": 1795341600000, "message": "Node: n;SIP: 10.0.0.5;SPORT: 1;DIP: 10.0.0.6;DPORT: 53;PROTOCOL: UDP;PolicyVerdict: ACCEPT;Tier: ADMIN"}'));
    assert.deepEqual([b.time, b.protocol, b.tier], [1795341600000, 'UDP', 'ADMIN']);
  });
  it('VPC Flow Logs version 2: IANA protocol numbers, REJECT, NODATA and ICMP skipped', () => {
    const f = flow(parseVpcLine('2 123456789010 eni-1 10.0.0.1 10.0.0.2 20641 22 6 20 4249 1418530010 1418530070 REJECT OK'));
    assert.deepEqual([f.protocol, f.verdict, f.dstPort, f.time], ['TCP', 'deny', 22, 1418530010000]);
    assert.equal(parseVpcLine('2 123456789010 eni-1 - - - - - - - 1418530010 1418530070 - NODATA').kind, 'skip');
    assert.equal(parseVpcLine('2 123456789010 eni-1 10.0.0.1 10.0.0.2 0 0 1 1 84 1418530010 1418530070 ACCEPT OK').kind, 'skip');
    assert.equal(parseVpcLine('2 1 2 3').kind, 'malformed');
  });
  it('the generic CSV and JSON lines', () => {
    assert.equal(parseCsvLine('time,src,dst,dst_port,protocol,verdict').kind, 'skip');
    assert.equal(flow(parseCsvLine('2026-11-24T09:00:00Z,10.0.1.10,10.0.1.12,5432,TCP,deny')).verdict, 'deny');
    assert.equal(flow(parseJsonlLine('{"time": 1795341600, "src": "10.0.1.10", "dst": "10.0.1.11", "dst_port": 8080, "protocol": "UDP", "verdict": "allow"}')).time, 1795341600000);
  });
  it('detects the format from the first lines', () => {
    assert.equal(detectFormat(['', '{"level":"info","msg":"x"}']), 'agent');
    assert.equal(detectFormat(['Node: a;SIP: 1.1.1.1;SPORT: 1;DIP: 1.1.1.2;DPORT: 1;PROTOCOL: TCP;PolicyVerdict: DENY']), 'cloudwatch');
    assert.equal(detectFormat(['version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status']), 'vpc');
    assert.equal(detectFormat(['time,src,dst,dst_port,protocol,verdict']), 'csv');
    assert.equal(detectFormat(['{"src": "1.1.1.1", "dst": "2.2.2.2"}']), 'jsonl');
    assert.equal(detectFormat(['hello']), undefined);
  });
});

describe('helpers', () => {
  it('ISO weeks', () => {
    assert.equal(isoWeek(Date.UTC(2026, 10, 23)), '2026-W48');
    assert.equal(isoWeek(Date.UTC(2027, 0, 1)), '2026-W53');
    assert.equal(isoWeek(Date.UTC(2024, 11, 30)), '2025-W01');
  });
  it('merges addresses into the fewest exact CIDRs', () => {
    const a = (...xs: string[]) => xs.map((x) => parseAddress(x)!);
    assert.deepEqual(mergeAddresses(a('10.0.0.0', '10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.5')), ['10.0.0.0/30', '10.0.0.5/32']);
    assert.deepEqual(mergeAddresses(a('2001:db8::', '2001:db8::1')), ['2001:db8::/127']);
  });
});
