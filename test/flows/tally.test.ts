// The counting path of flows summary (src/flows/tally.ts, src/sources/flow-tally.ts) held to the
// line-by-line path on random logs: several files, gzip, malformed, empty and over-long lines, flows
// out of time order, lines cut at chunk boundaries, byte ranges and worker threads, time windows, and
// agent lines at the edges of the byte scanner (escapes, key order, duplicates, CRLF, missing fields).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { readFlowsByTime } from '../../src/cli/incident-inputs.js';
import { BYTES_FLOW, BYTES_SKIP, isoMillis, scanAgentBytes, scanAgentFields, type AgentBytes } from '../../src/flows/agent-scan.js';
import { parseAgentLine } from '../../src/flows/formats.js';
import { plainMeta, plainRecord } from '../../src/flows/plain-connection.js';
import { Attributor } from '../../src/flows/attribute.js';
import { parseTime } from '../../src/flows/record.js';
import { FlowSummarizer, SUMMARY_EXAMPLES } from '../../src/flows/summary.js';
import { newStats } from '../../src/sources/flow-files.js';
import { tallyFiles } from '../../src/sources/flow-tally.js';
import { clusterFrom, pod } from '../helpers.js';

const CLUSTER = [
  pod('shop', 'web-1', { app: 'web' }, 'status: {podIP: 10.0.0.1}\n'),
  pod('shop', 'web-2', { app: 'web' }, 'status: {podIP: 10.0.0.2}\n'),
  pod('shop', 'api-1', { app: 'api' }, 'status: {podIP: 10.0.0.3}\n'),
  pod('shop', 'api-2', { app: 'api' }, 'status: {podIP: 10.0.0.4}\n'),
  pod('data', 'db-1', { app: 'db' }, 'status: {podIP: 10.0.1.1}\n'),
  `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: api-from-web\n  namespace: shop\nspec:\n  podSelector:\n    matchLabels:\n      app: api\n  ingress:\n    - from:\n        - podSelector:\n            matchLabels:\n              app: web\n      ports:\n        - port: 8080\n`,
  `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny-all\n  namespace: data\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n`,
].join('\n');

const ADDRESSES = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.1.1', '192.0.2.7', '10.9.9.9'];
/** Addresses enough for thousands of distinct connections (most outside the cluster). */
const WIDE = [...ADDRESSES, ...Array.from({ length: 40 }, (_, i) => `10.0.2.${i + 1}`)];

function random(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return (s >>> 8) % n;
  };
}

/** An agent log of `n` lines, most of them flows, some not, some broken. */
function agentLog(rnd: (n: number) => number, n: number, addresses = ADDRESSES): string {
  const out: string[] = [];
  const base = Date.UTC(2026, 10, 20);
  for (let i = 0; i < n; i++) {
    const kind = rnd(60);
    const t = new Date(base + rnd(10 * 86_400_000)).toISOString();
    const msg = `Flow Info: Src IP: ${addresses[rnd(addresses.length)]} Src Port: ${rnd(60000)} Dest IP: ${addresses[rnd(addresses.length)]} Dest Port: ${[8080, 5432, 53][rnd(3)]} Proto ${['TCP', 'UDP'][rnd(2)]} Verdict ${['ACCEPT', 'DENY', 'EXPIRED/DELETED'][rnd(3)]}${rnd(3) ? ` Direction ${['ingress', 'egress'][rnd(2)]}, Tier NETWORK_POLICY` : ''}`;
    if (kind === 0) out.push('{"level":"info","ts":"' + t + '","msg":"Processing policy endpoint"}');
    else if (kind === 1) out.push('{"level":"inf'); // broken
    else if (kind === 2) out.push('');
    else if (kind === 3) out.push(`{"level":"info","ts":${(base + rnd(86_400_000)) / 1000},"msg":"${msg}"}`); // epoch seconds: JSON.parse's path
    else if (kind === 4) out.push(`{"level":"info","ts":"${t}","msg":"${msg.replace('Src IP', 'Src\\u0020IP')}"}`); // an escape
    else if (kind === 5) out.push(`{"msg":"Flow Info: Src IP: 10.0.0.300 Src Port: 1 Dest IP: 10.0.0.2 Dest Port: 80 Proto TCP Verdict DENY"}`);
    else if (kind === 6) out.push(`{"level":"info","msg":"${msg}"}`); // no time
    else if (kind === 7) out.push(`{"level":"info","ts":"${t}","logger":"ebpf-client","msg":"${msg}"}\r`);
    // the edges of the byte scanner (scanAgentBytes): each either read there or left to the string path
    else if (kind === 8) out.push(`{"level":"info","ts":"${t}","caller":"a\\"b","msg":"${msg}"}`); // an escaped quote
    else if (kind === 9) out.push(`{"msg":"${msg}","ts":"${t}","level":"info"}`); // another order
    else if (kind === 10) out.push(`{"ts":"${t}","msg":"${msg.replace(/ Verdict \S+/, '')}"}`); // no verdict
    else if (kind === 11) out.push(`{"ts":"${t}","msg":"${msg.replace(' Proto ', ' Proto: ').replace(' Verdict ', ' Verdict:  ')}"}`);
    else if (kind === 12) out.push(`{"ts":"${t}","msg":"${msg.replace(/Proto \w+/, 'Proto ICMP')}"}`); // skipped
    else if (kind === 13) out.push(`{"ts":"bad","msg":"x","ts":"${t}","msg":"${msg}"}`); // later duplicates win
    else if (kind === 14) out.push(`{"${['time', 'timestamp'][rnd(2)]}":"${rnd(2) ? t : t.replace('T', ' ')}","msg":"${msg}"}`);
    else if (kind === 15) out.push(` { "ts" : "${t}" , "msg" : "${msg}" }  `);
    else if (kind === 16) out.push(`{"logger":"\u00e9bpf","ts":"${t}","msg":"${msg}"}`); // not ASCII
    else if (kind === 17) out.push(`{"ts":"${t}","msg":"${msg} and more"}`);
    else if (kind === 18) out.push(`{"ts":"${t}","msg":"${msg.replace(/Dest Port: \d+/, `Dest Port: ${[99999, 65535, '0080'][rnd(3)]}`)}"}`);
    else if (kind === 19) out.push(`{"ts":"${t}","msg":"${msg.replace(/Direction (\w+)/, (_, d: string) => `Direction ${d.toUpperCase()}`)}"}`);
    else if (kind === 20) out.push(['{}', '{"level":"info"}', 'garbage', '{"msg":"Flow Info"}', '{"msg":"Flow Info: Src IP:  10.0.0.1 Src Port: 1 Dest IP: 10.0.0.2 Dest Port: 80 Proto TCP Verdict DENY"}'][rnd(5)]!);
    else if (kind === 21) out.push(`{"ts":"${t.replace('-11-', '-13-')}","msg":"${msg}"}`); // a day Date.parse refuses
    else if (kind === 22) out.push(`{"ts":"${t}","level":1,"msg":"${msg}"}`); // a number: JSON.parse's path
    // other spellings of the same connections: the numbers' table (plain IPv4, ports, words) must leave them to the bytes' one
    else if (kind === 23) out.push(`{"level":"info","ts":"${t}","msg":"${respell(rnd, msg)}"}`);
    else out.push(`{"level":"info","ts":"${t}","logger":"ebpf-client","msg":"${msg}"}`);
  }
  return out.join('\n') + (rnd(2) ? '\n' : '');
}

/** The message with one field spelled another way the agent's regex still reads (or not). */
function respell(rnd: (n: number) => number, msg: string): string {
  switch (rnd(9)) {
    case 0:
      return msg.replace(/Src IP: (\d+)/, 'Src IP: 0$1'); // a leading zero: another address text
    case 1:
      return msg.replace(/Dest IP: (\S+)\.(\d+) /, (_, a: string, b: string) => `Dest IP: ${a}.${[256, 999, '00', `0${b}`][rnd(4)]} `);
    case 2:
      return msg.replace(/Proto (\w+)/, (_, p: string) => `Proto ${[p.toLowerCase(), p === 'TCP' ? '6' : '17', 'Tcp'][rnd(3)]}`);
    case 3:
      return msg.replace(/Verdict (\S+)/, (_, v: string) => `Verdict ${v === 'DENY' ? ['DROP', 'deny', 'REJECT'][rnd(3)] : v === 'ACCEPT' ? ['ALLOW', 'accept', 'FORWARDED'][rnd(3)] : 'EXPIRED'}`);
    case 4:
      return msg.replace(/Src IP: \S+/, `Src IP: ${['fd00::1', '::ffff:10.0.0.1', '10.0.0', '10.0.0.1.2', '1.2.3.4x'][rnd(5)]}`);
    case 5:
      return msg.replace(/Dest Port: (\d+)/, (_, d: string) => `Dest Port: ${['0', '65536', '123456', `00${d}`][rnd(4)]}`);
    case 6:
      return msg.replace(/Direction (\w+)/, (_, d: string) => `Direction ${d === 'ingress' ? 'Ingress' : 'sideways'}`);
    case 7:
      return msg.replace(/Src IP: \S+ Src Port: \d+ Dest IP: \S+/, 'Src IP: 255.255.255.255 Src Port: 0 Dest IP: 0.0.0.0');
    default:
      return msg.replace(/Src Port: \d+/, `Src Port: ${['0', '007', '4294967295', '99999999999'][rnd(4)]}`);
  }
}

async function lineByLine(paths: string[], window: { since?: number; until?: number }) {
  const attributor = new Attributor([{ label: 'now', cluster: clusterFrom(CLUSTER) }]);
  const s = new FlowSummarizer(attributor, window);
  const stats = newStats();
  for await (const f of readFlowsByTime(paths, {}, stats)) s.add(f);
  return { summary: s.result(), stats };
}

async function counted(paths: string[], window: { since?: number; until?: number }, threads: number, tuning: object, ahead?: Set<string>, callerFree?: Promise<void>) {
  const attributor = new Attributor([{ label: 'now', cluster: clusterFrom(CLUSTER) }]);
  const s = new FlowSummarizer(attributor, window);
  const stats = newStats();
  // as flows summary counts: keeping as many occurrences per connection as it quotes examples, and
  // (with `ahead`) judging the connections the workers send ahead while they count
  const onConnections = ahead
    ? (n: Int32Array) => {
        for (let i = 0; i < n.length; i += 3) {
          ahead.add(`${n[i]! >>> 0} ${n[i + 1]! >>> 0} ${n[i + 2]!}`);
          attributor.prime(n[i]!, n[i + 1]!, n[i + 2]!);
        }
      }
    : undefined;
  const tally = await tallyFiles(paths, stats, { ordering: 'time', window, threads, tuning, keep: SUMMARY_EXAMPLES, ...(onConnections ? { onConnections } : {}), ...(callerFree ? { callerFree } : {}) });
  if (ahead) {
    // what was sent ahead are connections of the log, as their numbers say (without a window: with
    // one, a connection met only outside it is sent too, and judged for nothing)
    const logged = new Set<string>();
    for (const c of tally.connections()) {
      const meta = plainMeta(c.flow);
      if (meta >= 0) logged.add(`${c.flow.src.text} ${c.flow.dst.text} ${meta}`);
    }
    for (const k of ahead) {
      const [src, dst, meta] = k.split(' ').map(Number) as [number, number, number];
      const r = plainRecord(src, dst, meta);
      if (window.since === undefined) assert.ok(logged.has(`${r.src.text} ${r.dst.text} ${meta}`), `sent ahead: ${k}`);
      assert.equal(plainMeta(plainRecord(src, dst, meta)), meta);
    }
  }
  s.addTally(tally, paths);
  return { summary: s.result(), stats };
}

describe('flows summary by distinct connection', () => {
  it('the agent line scanner reads what JSON.parse reads, or leaves the line to it', () => {
    const rnd = random(7);
    const samples = [
      '{"msg":"a","ts":"b"}',
      ' { "msg" : "x" , "msg":"y" } ',
      '{"msg":"x",}',
      '{"msg":"x"} x',
      '{"msg":"x\\"y"}',
      '{"msg":"x\ty"}',
      '{"msg":1}',
      '{"Src IP":"10.0.0.1","msg":"Flow Info"}',
      '{}',
      '{"msg":"x","ts":"2026-11-20T10:00:00.123Z","time":"y","timestamp":"z"}',
      ...agentLog(rnd, 300).split('\n'),
    ];
    for (const line of samples) {
      const f = scanAgentFields(line);
      if (!f) continue;
      const o = JSON.parse(line) as Record<string, unknown>;
      assert.ok(!('Src IP' in o), line);
      assert.deepEqual([f.msg, f.ts, f.time, f.timestamp], [o.msg, o.ts, o.time, o.timestamp], line);
    }
    // the byte scanner: what it reads is what parseAgentLine reads
    let read = 0;
    let plain = 0;
    let respelt = 0;
    for (const line of [...samples, ...agentLog(random(8), 2000).split('\n')]) {
      const b = Buffer.from(line);
      const at: AgentBytes = { srcStart: 0, srcEnd: 0, restStart: 0, restEnd: 0, srcPort: 0, time: NaN, srcIp: 0, dstIp: 0, meta: -1 };
      const k = scanAgentBytes(b, 0, b.length, at);
      const p = parseAgentLine(line);
      if (k === BYTES_SKIP) assert.equal(p.kind, 'skip', line);
      if (k !== BYTES_FLOW) continue;
      read++;
      const src = b.toString('utf8', at.srcStart, at.srcEnd);
      assert.match(line, new RegExp(`Src IP: ${src.replace(/\./g, '\\.')} Src Port: ${at.srcPort} Dest IP: ${b.toString('utf8', at.restStart, at.restEnd)}`), line);
      if (p.kind === 'flow') {
        assert.equal(p.flow.src.text, src, line);
        assert.equal(p.flow.srcPort, at.srcPort, line);
        assert.equal(p.flow.time ?? NaN, at.time, line);
        // numbers only for the one plain spelling of the connection's fields, and then its numbers
        if (at.meta >= 0) {
          plain++;
          // the numbers are the parsed connection's, and stand for its record
          assert.equal(plainMeta(p.flow), at.meta, line);
          const { time: _t, srcPort: _p, tier: _r, ...connection } = p.flow;
          assert.deepEqual(plainRecord(at.srcIp, at.dstIp, at.meta), connection, line);
          assert.deepEqual([at.srcIp, at.dstIp, at.meta & 0xffff], [Number(p.flow.src.value), Number(p.flow.dst.value), p.flow.dstPort], line);
          assert.equal(p.flow.src.text, [24, 16, 8, 0].map((s) => Math.floor(at.srcIp / 2 ** s) % 256).join('.'), line);
          assert.equal(p.flow.dst.text, [24, 16, 8, 0].map((s) => Math.floor(at.dstIp / 2 ** s) % 256).join('.'), line);
          assert.match(line, new RegExp(`Dest Port: ${p.flow.dstPort} Proto (TCP|UDP|SCTP) Verdict (ACCEPT|DENY|EXPIRED/DELETED)( Direction (ingress|egress),|")`), line);
        } else if (p.flow.src.family === 4 && p.flow.dst.family === 4) respelt++;
      }
    }
    assert.ok(read > 1000, `the scanner read ${read} lines`);
    assert.ok(plain > 1000 && respelt > 10, `numbers for ${plain} lines, bytes for ${respelt} other IPv4 spellings`);
    for (const t of ['2026-11-20T10:00:00.123Z', '2026-02-29T10:00:00.000Z', '2024-02-29T23:59:59.999Z', '2026-11-20T24:00:00.000Z', '2026-13-01T00:00:00.000Z', '1970-01-01T00:00:00.000Z', '2026-11-20T10:00:00.123+0100']) {
      const ms = isoMillis(t);
      if (ms !== undefined) assert.equal(ms, parseTime(t), t);
    }
  });

  it('gives the line-by-line figures, examples and read counts on random logs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-tally-'));
    try {
      for (let trial = 0; trial < 12; trial++) {
        const rnd = random(100 + trial);
        const files = 1 + rnd(3);
        const paths: string[] = [];
        for (let f = 0; f < files; f++) {
          // half the trials on few connections, each repeated many times (examples then repeat a connection)
          // the last trials on thousands of connections: a tally's occurrences span several pages
          const text = (trial >= 10 ? agentLog(rnd, 4000 + rnd(2000), WIDE) : agentLog(rnd, 50 + rnd(400), trial % 2 ? ADDRESSES.slice(2, 5) : ADDRESSES)) + (trial === 3 && f === 0 ? `${'x'.repeat(1024 * 1024 + 5)}\n{"msg":"tail"}\n` : '');
          const gz = rnd(3) === 0;
          const p = join(dir, `t${trial}-${f}.log${gz ? '.gz' : ''}`);
          writeFileSync(p, gz ? gzipSync(text) : text);
          paths.push(p);
        }
        const window = rnd(3) === 0 ? { since: Date.UTC(2026, 10, 22), until: Date.UTC(2026, 10, 27) } : {};
        const want = await lineByLine(paths, window);
        // one thread, in this thread, lines cut by small reads; then byte ranges on worker threads
        const tunings: [number, object][] = [
          [1, { chunkBytes: 1 + rnd(300) }],
          [2, { pieces: 2 + rnd(3), splitBytes: 0, chunkBytes: 64 + rnd(4096), threadedBytes: 0 }],
        ];
        for (const [threads, tuning] of tunings) {
          const got = await counted(paths, window, threads, tuning);
          assert.deepEqual(got, want, `trial ${trial}, ${threads} thread(s), ${JSON.stringify(tuning)}`);
        }
        // on worker threads that send their connections ahead (every few chunks: small ones here), judged meanwhile
        const ahead = new Set<string>();
        const got = await counted(paths, window, 2, { pieces: 2, splitBytes: 0, chunkBytes: 64 + rnd(512), threadedBytes: 0 }, ahead);
        assert.deepEqual(got, want, `trial ${trial}, connections sent ahead`);
        if (trial >= 10) assert.ok(ahead.size > 100, `trial ${trial}: ${ahead.size} connections sent ahead`);
        // while the caller is busy one worker fewer starts; one more takes a waiting part once it is
        // free (here at once, or never: then the first worker reads every part)
        // (a worker reads on into the parts after its own while nobody has claimed them)
        for (const freeNow of [true, false]) {
          const byWorker = new Map<number, number[]>();
          const started: number[] = [];
          const onPart = (part: number, worker: number) => byWorker.set(worker, [...(byWorker.get(worker) ?? []), part]);
          const free = freeNow ? Promise.resolve() : new Promise<void>(() => undefined);
          const late = await counted(paths, window, 2, { pieces: 3 + rnd(3), splitBytes: 0, chunkBytes: 64 + rnd(512), threadedBytes: 0, onPart, onWorker: (w: number) => started.push(w) }, new Set(), free);
          assert.deepEqual(late, want, `trial ${trial}, caller free ${freeNow ? 'at once' : 'never'}`);
          const parts = [...byWorker.values()].flat().sort((a, b) => a - b);
          const seen = JSON.stringify([...byWorker]);
          assert.deepEqual(parts, parts.map((_, i) => i), `every part read once: ${seen}`);
          // (one part is read in this thread: no worker)
          if (parts.length > 1) assert.deepEqual(started, freeNow ? [0, 1] : [0], seen);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
