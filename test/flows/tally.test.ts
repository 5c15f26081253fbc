// The counting path of flows summary (src/flows/tally.ts, src/sources/flow-tally.ts) held to the
// line-by-line path on random logs: several files, gzip, malformed, empty and over-long lines, flows
// out of time order, lines cut at chunk boundaries, byte ranges and worker threads, time windows.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { readFlowsByTime } from '../../src/cli/incident-inputs.js';
import { isoMillis, scanAgentFields } from '../../src/flows/agent-scan.js';
import { Attributor } from '../../src/flows/attribute.js';
import { parseTime } from '../../src/flows/record.js';
import { FlowSummarizer } from '../../src/flows/summary.js';
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
    const kind = rnd(40);
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
    else out.push(`{"level":"info","ts":"${t}","logger":"ebpf-client","msg":"${msg}"}`);
  }
  return out.join('\n') + (rnd(2) ? '\n' : '');
}

async function lineByLine(paths: string[], window: { since?: number; until?: number }) {
  const attributor = new Attributor([{ label: 'now', cluster: clusterFrom(CLUSTER) }]);
  const s = new FlowSummarizer(attributor, window);
  const stats = newStats();
  for await (const f of readFlowsByTime(paths, {}, stats)) s.add(f);
  return { summary: s.result(), stats };
}

async function counted(paths: string[], window: { since?: number; until?: number }, threads: number, tuning: object) {
  const attributor = new Attributor([{ label: 'now', cluster: clusterFrom(CLUSTER) }]);
  const s = new FlowSummarizer(attributor, window);
  const stats = newStats();
  s.addTally(await tallyFiles(paths, stats, { ordering: 'time', window, threads, tuning }), paths);
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
    for (const t of ['2026-11-20T10:00:00.123Z', '2026-02-29T10:00:00.000Z', '2024-02-29T23:59:59.999Z', '2026-11-20T24:00:00.000Z', '2026-13-01T00:00:00.000Z', '1970-01-01T00:00:00.000Z', '2026-11-20T10:00:00.123+0100']) {
      const ms = isoMillis(t);
      if (ms !== undefined) assert.equal(ms, parseTime(t), t);
    }
  });

  it('gives the line-by-line figures, examples and read counts on random logs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-tally-'));
    try {
      for (let trial = 0; trial < 10; trial++) {
        const rnd = random(100 + trial);
        const files = 1 + rnd(3);
        const paths: string[] = [];
        for (let f = 0; f < files; f++) {
          // half the trials on few connections, each repeated many times (examples then repeat a connection)
          const text = agentLog(rnd, 50 + rnd(400), trial % 2 ? ADDRESSES.slice(2, 5) : ADDRESSES) + (trial === 3 && f === 0 ? `${'x'.repeat(1024 * 1024 + 5)}\n{"msg":"tail"}\n` : '');
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
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
