// replay and advise on distinct connections counted once (src/flows/counted.ts) held to the same
// commands fed line by line, on random logs: several files, gzip, CSV beside agent logs, malformed,
// empty and over-long lines, replicas of one workload that the policies judge differently (the first
// line of a pair decides its verdict), ClusterIPs with backends on different target ports, addresses
// outside the cluster; and CloudWatch tuples (src/flows/aggregated.ts) in time windows.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { mergeAddresses } from '../../src/advise/cidrs.js';
import { Advisor } from '../../src/advise/advise.js';
import { Replayer } from '../../src/analysis/replay.js';
import { countedInTimeOrder, flowsInTimeOrder, tallyOfTuples, type AggregatedFlow } from '../../src/flows/aggregated.js';
import { Attributor } from '../../src/flows/attribute.js';
import { countedFromTally, type CountedFlow } from '../../src/flows/counted.js';
import { FlowSummarizer } from '../../src/flows/summary.js';
import { parseDocuments } from '../../src/k8s/yaml.js';
import { buildCluster, expandLists, type SourceObject } from '../../src/model/build.js';
import { parseAddress, type Address } from '../../src/net/ip.js';
import { flowQuery, readRow } from '../../src/sources/cloudwatch-query.js';
import { newStats, readFlowFiles, type ReadStats } from '../../src/sources/flow-files.js';
import { tallyFiles } from '../../src/sources/flow-tally.js';
import { evaluate, type LogEvent } from '../fixtures/cloudwatch-logs.js';
import { podwall } from '../helpers.js';

const NODE = 'apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {addresses: [{type: InternalIP, address: 192.168.1.10}]}\n';
const pod = (ns: string, name: string, owner: string | undefined, labels: Record<string, string>, ip: string, ports: string): string =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: ${ns}, labels: {${Object.entries(labels).map(([k, v]) => `${k}: "${v}"`).join(', ')}}${owner ? `, ownerReferences: [{kind: ReplicaSet, name: ${owner}, controller: true}]` : ''}}\nspec: {nodeName: n1, containers: [{name: c, image: x, ports: [${ports}]}]}\nstatus: {podIP: ${ip}}\n`;
const policy = (ns: string, name: string, spec: string): string => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: ${ns}}\nspec: ${spec}\n`;

const PODS = [
  NODE,
  // three replicas of one workload, one of them a canary that the policies treat apart
  pod('shop', 'frontend-1', 'frontend-5d8f', { app: 'frontend', track: 'stable', 'pod-template-hash': '5d8f' }, '10.0.1.10', '{containerPort: 80, name: web}'),
  pod('shop', 'frontend-2', 'frontend-5d8f', { app: 'frontend', track: 'stable', 'pod-template-hash': '5d8f' }, '10.0.1.13', '{containerPort: 80, name: web}'),
  pod('shop', 'frontend-3', 'frontend-5d8f', { app: 'frontend', track: 'canary', 'pod-template-hash': '5d8f' }, '10.0.1.14', '{containerPort: 80, name: web}'),
  pod('shop', 'api-1', 'api-7c9d', { app: 'api', tier: 'backend' }, '10.0.1.11', '{containerPort: 8080, name: svc}'),
  pod('shop', 'api-2', 'api-7c9d', { app: 'api', tier: 'backend' }, '10.0.1.15', '{containerPort: 8080, name: svc}'),
  pod('shop', 'worker-1', 'worker-1a2b', { app: 'worker', tier: 'backend' }, '10.0.1.16', '{containerPort: 9090, name: svc}'),
  pod('shop', 'db-0', undefined, { app: 'db' }, '10.0.1.12', '{containerPort: 5432, name: postgres}'),
  pod('jobs', 'batch-1', undefined, { app: 'batch' }, '10.0.1.20', '{containerPort: 8080, name: http}'),
  pod('kube-system', 'coredns-1', undefined, { 'k8s-app': 'kube-dns' }, '10.0.2.53', '{containerPort: 53, protocol: UDP, name: dns}, {containerPort: 53, name: dns-tcp}'),
  // a ClusterIP with one backend workload, and one whose backends answer on different target ports
  'apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: shop}\nspec: {selector: {app: api}, clusterIP: 172.20.0.10, ports: [{port: 80, targetPort: svc}]}\n',
  'apiVersion: v1\nkind: Service\nmetadata: {name: backend, namespace: shop}\nspec: {selector: {tier: backend}, clusterIP: 172.20.0.11, ports: [{port: 80, targetPort: svc}]}\n',
];

const CURRENT = [
  ...PODS,
  policy('shop', 'default-deny', '{podSelector: {}, policyTypes: [Ingress, Egress]}'),
  policy('shop', 'api-ingress', '{podSelector: {matchLabels: {tier: backend}}, ingress: [{from: [{podSelector: {matchLabels: {app: frontend}}}, {ipBlock: {cidr: 203.0.113.0/24}}]}]}'),
  policy('shop', 'frontend-egress', '{podSelector: {matchLabels: {app: frontend}}, policyTypes: [Egress], egress: [{to: [{podSelector: {matchLabels: {tier: backend}}}]}, {ports: [{port: 53, protocol: UDP}]}]}'),
  policy('shop', 'db-from-api', '{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{podSelector: {matchLabels: {app: api}}}], ports: [{port: 5432}]}]}'),
  policy('shop', 'backend-egress', '{podSelector: {matchLabels: {tier: backend}}, policyTypes: [Egress], egress: [{to: [{podSelector: {matchLabels: {app: db}}}]}, {to: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: 443}]}]}'),
].join('---\n');

// the proposal: the canary loses its egress but to the other frontends, the worker its ingress, db
// is reached on 5432 only from api-1's labels; the frontends may reach each other (observed denied
// flows it lets through)
const PROPOSED = [
  ...PODS,
  policy('shop', 'default-deny', '{podSelector: {}, policyTypes: [Ingress, Egress]}'),
  policy('shop', 'api-ingress', '{podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector: {matchLabels: {app: frontend}}}]}]}'),
  policy('shop', 'frontend-egress', '{podSelector: {matchLabels: {track: stable}}, policyTypes: [Egress], egress: [{to: [{podSelector: {matchLabels: {tier: backend}}}]}, {ports: [{port: 53, protocol: UDP}]}]}'),
  policy('shop', 'db-from-api', '{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{podSelector: {matchLabels: {app: api}}}], ports: [{port: 5432}]}]}'),
  policy('shop', 'frontend-peers', '{podSelector: {matchLabels: {app: frontend}}, policyTypes: [Ingress, Egress], ingress: [{from: [{podSelector: {matchLabels: {app: frontend}}}]}], egress: [{to: [{podSelector: {matchLabels: {app: frontend}}}]}]}'),
  policy('jobs', 'deny-all', '{podSelector: {}, policyTypes: [Ingress, Egress]}'),
].join('---\n');

const objects = (yaml: string, file: string): SourceObject[] => expandLists(parseDocuments(yaml, file));

const ADDRESSES = ['10.0.1.10', '10.0.1.13', '10.0.1.14', '10.0.1.11', '10.0.1.15', '10.0.1.16', '10.0.1.12', '10.0.1.20', '10.0.2.53', '172.20.0.10', '172.20.0.11', '192.168.1.10', '8.8.8.8', '203.0.113.4', '203.0.113.5', '203.0.113.6', '203.0.113.7', '198.51.100.9'];
const PORTS = [80, 8080, 9090, 5432, 53, 443];

function random(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return (s >>> 8) % n;
  };
}

/** An agent log of `n` lines: mostly accepted flows, some denied or expired, other messages, broken lines. */
function agentLog(rnd: (n: number) => number, n: number, addresses: string[]): string {
  const out: string[] = [];
  const base = Date.UTC(2026, 10, 20);
  for (let i = 0; i < n; i++) {
    const kind = rnd(30);
    const t = new Date(base + 3_600_000 * rnd(5 * 24) + rnd(3_600_000)).toISOString();
    const verdict = ['ACCEPT', 'ACCEPT', 'ACCEPT', 'DENY', 'EXPIRED/DELETED'][rnd(5)];
    const msg = `Flow Info: Src IP: ${addresses[rnd(addresses.length)]} Src Port: ${rnd(60000)} Dest IP: ${addresses[rnd(addresses.length)]} Dest Port: ${PORTS[rnd(PORTS.length)]} Proto ${['TCP', 'TCP', 'UDP'][rnd(3)]} Verdict ${verdict}${rnd(2) ? ` Direction ${['ingress', 'egress'][rnd(2)]}, Tier NETWORK_POLICY` : ''}`;
    if (kind === 0) out.push(`{"level":"info","ts":"${t}","msg":"Processing policy endpoint"}`);
    else if (kind === 1) out.push('{"level":"inf'); // broken
    else if (kind === 2) out.push('');
    else if (kind === 3) out.push(`{"msg":"Flow Info: Src IP: 10.0.1.300 Src Port: 1 Dest IP: 10.0.1.11 Dest Port: 80 Proto TCP Verdict ACCEPT"}`);
    else if (kind === 4) out.push(`{"level":"info","msg":"${msg}"}`); // no time
    else if (kind === 5) out.push(`{"level":"info","ts":"${t}","msg":"${msg}"}\r`);
    else out.push(`{"level":"info","ts":"${t}","logger":"ebpf-client","msg":"${msg}"}`);
  }
  return out.join('\n') + (rnd(2) ? '\n' : '');
}

/** The generic CSV, with its header. */
function csvLog(rnd: (n: number) => number, n: number, addresses: string[]): string {
  const out = ['time,src,dst,dst_port,protocol,verdict'];
  for (let i = 0; i < n; i++) {
    if (rnd(25) === 0) out.push('2026-11-20T00:00:00Z,10.0.1.10,nowhere,80,TCP,ACCEPT');
    else out.push(`${new Date(Date.UTC(2026, 10, 21) + rnd(86_400_000)).toISOString()},${addresses[rnd(addresses.length)]},${addresses[rnd(addresses.length)]},${PORTS[rnd(PORTS.length)]},${['TCP', 'UDP'][rnd(2)]},${['ACCEPT', 'ACCEPT', 'REJECT'][rnd(3)]}`);
  }
  return out.join('\n') + '\n';
}

/** Random logs in `dir`: 1-3 files, agent or CSV, plain or gzip, an over-long line in some. */
function writeLogs(dir: string, trial: number): string[] {
  const rnd = random(500 + trial);
  const files = 1 + rnd(3);
  const paths: string[] = [];
  // half the trials on a few addresses, each connection repeated many times
  const addresses = trial % 2 ? ADDRESSES.slice(0, 6) : ADDRESSES;
  for (let f = 0; f < files; f++) {
    const csv = rnd(4) === 0;
    let text = csv ? csvLog(rnd, 30 + rnd(200), addresses) : agentLog(rnd, 50 + rnd(500), addresses);
    if (trial === 3 && f === 0) text += `${'x'.repeat(1024 * 1024 + 5)}\n{"msg":"tail"}\n`;
    const gz = rnd(3) === 0;
    const p = join(dir, `t${trial}-${f}.${csv ? 'csv' : 'log'}${gz ? '.gz' : ''}`);
    writeFileSync(p, gz ? gzipSync(text) : text);
    paths.push(p);
  }
  return paths;
}

const current = () => buildCluster(objects(CURRENT, 'current.yaml'));
const proposed = () => buildCluster(objects(PROPOSED, 'proposed.yaml'));
const ADVISE_SCOPES: (string[] | undefined)[] = [undefined, ['shop'], ['jobs', 'kube-system']];

async function replayLines(paths: string[]): Promise<{ result: unknown; stats: ReadStats }> {
  const r = new Replayer(proposed(), current());
  const stats = newStats();
  for await (const f of readFlowFiles(paths, stats)) r.add(f);
  return { result: replayResult(r), stats };
}

/** What replay prints: the result and the unused pairs it streams. */
function replayResult(r: Replayer): unknown {
  return { ...r.result(), unusedAllowed: [...r.unusedAllowed()] };
}

async function adviseLines(paths: string[], scope: string[] | undefined): Promise<{ result: unknown; stats: ReadStats }> {
  const a = new Advisor(current(), scope);
  const stats = newStats();
  for await (const f of readFlowFiles(paths, stats)) a.add(f);
  return { result: a.result(objects(CURRENT, 'current.yaml'), (o) => buildCluster(o)), stats };
}

/** The logs counted (file after file) on `threads` threads, as replay and advise read them. */
async function counted(paths: string[], threads: number, tuning: object, keep?: number): Promise<{ flows: CountedFlow[]; stats: ReadStats }> {
  const stats = newStats();
  const tally = await tallyFiles(paths, stats, { ordering: 'sequence', threads, tuning, ...(keep ? { keep } : {}) });
  return { flows: [...countedFromTally(tally, paths)], stats };
}

function replayCounted(flows: readonly CountedFlow[]): unknown {
  const r = new Replayer(proposed(), current());
  for (const c of flows) r.addCounted(c);
  return replayResult(r);
}

function adviseCounted(flows: readonly CountedFlow[], scope: string[] | undefined): unknown {
  const a = new Advisor(current(), scope);
  for (const c of flows) a.addCounted(c);
  return a.result(objects(CURRENT, 'current.yaml'), (o) => buildCluster(o));
}

/** A log group's events: the addresses above, at random times over a week, with ICMP and broken ones. */
function groupEvents(rnd: (n: number) => number, n: number, addresses: string[]): LogEvent[] {
  const from = Date.UTC(2026, 10, 18);
  const events: LogEvent[] = [];
  for (let i = 0; i < n; i++) {
    const sip = rnd(40) === 0 ? '10.0.1.300' : addresses[rnd(addresses.length)];
    const proto = ['TCP', 'TCP', 'UDP', 'ICMP'][rnd(4)];
    const verdict = ['ACCEPT', 'ACCEPT', 'DENY', 'EXPIRED/DELETED'][rnd(4)];
    // bursts: many events on the same millisecond (on the hour), so tuples tie on their first and last times
    const hour = rnd(3) === 0 ? 3 * 24 + rnd(5) : rnd(7 * 24); // a few busy hours
    const t = from + 3_600_000 * hour + (rnd(5) === 0 ? 0 : rnd(3_600_000));
    events.push({ timestamp: t, message: `Node: n1;SIP: ${sip};SPORT: ${rnd(60000)};DIP: ${addresses[rnd(addresses.length)]};DPORT: ${PORTS[rnd(PORTS.length)]};PROTOCOL: ${proto};PolicyVerdict: ${verdict}` });
  }
  return events.sort((a, b) => a.timestamp - b.timestamp);
}

/** The tuples a Logs Insights query over [since, until) returns, as src/sources/cloudwatch.ts reads them. */
function tuplesOf(events: readonly LogEvent[], since: number, until: number, shuffle: (n: number) => number): AggregatedFlow[] {
  const tuples = evaluate(flowQuery(since, until), events).rows.flatMap((r) => {
    const row = readRow(Object.fromEntries(r.map((f) => [f.field, f.value])));
    return row.kind === 'flow' ? [row.tuple] : [];
  });
  // queries answer in any order: so may the tuples come
  for (let i = tuples.length - 1; i > 0; i--) {
    const j = shuffle(i + 1);
    [tuples[i], tuples[j]] = [tuples[j]!, tuples[i]!];
  }
  return tuples;
}

const TRIALS = 8;

describe('replay and advise by distinct connection', () => {
  it('gives the line-by-line replay, advice and read counts on random logs, in one thread or several', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-replay-'));
    try {
      let blocked = 0;
      const judged = { alreadyDenied: 0, wouldAllow: 0, alreadyAllowed: 0 };
      let stillBlocked = 0;
      let malformed = 0;
      for (let trial = 0; trial < TRIALS; trial++) {
        const paths = writeLogs(dir, trial);
        const rnd = random(900 + trial);
        const lines = await replayLines(paths);
        const advice = await Promise.all(ADVISE_SCOPES.map((s) => adviseLines(paths, s)));
        const result = lines.result as { wouldBlock: unknown[]; alreadyDenied: unknown[]; wouldAllow: unknown[]; alreadyAllowed: number };
        blocked += result.wouldBlock.length;
        judged.alreadyDenied += result.alreadyDenied.length;
        judged.wouldAllow += result.wouldAllow.length;
        judged.alreadyAllowed += result.alreadyAllowed;
        stillBlocked += (advice[0]!.result as { stillBlocked: unknown[] }).stillBlocked.length;
        malformed += lines.stats.malformed;
        // lines cut by small reads in this thread; then byte ranges on two worker threads
        // keeping every tally's default occurrences, and only the first (as the commands count)
        const tunings: [number, object, number | undefined][] = [
          [1, { chunkBytes: 1 + rnd(300) }, trial % 2 ? 1 : undefined],
          [2, { pieces: 2 + rnd(3), splitBytes: 0, chunkBytes: 64 + rnd(4096), threadedBytes: 0 }, trial % 2 ? undefined : 1],
        ];
        for (const [threads, tuning, keep] of tunings) {
          const what = `trial ${trial}, ${threads} thread(s), ${JSON.stringify(tuning)}, keep ${keep ?? 'default'}`;
          const c = await counted(paths, threads, tuning, keep);
          assert.ok(c.flows.length < lines.stats.flows, `${what}: connections repeat`);
          assert.deepEqual({ result: replayCounted(c.flows), stats: c.stats }, lines, `replay, ${what}`);
          ADVISE_SCOPES.forEach((scope, i) => assert.deepEqual({ result: adviseCounted(c.flows, scope), stats: c.stats }, advice[i], `advise ${scope}, ${what}`));
        }
      }
      assert.ok(blocked > 0 && stillBlocked > 0 && malformed > 0, 'the logs exercise broken flows, advice left blocked and malformed lines');
      assert.ok(Object.values(judged).every((n) => n > 0), `the logs exercise flows set apart and newly allowed: ${JSON.stringify(judged)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives the line-by-line replay, advice and summary on CloudWatch tuples, in any time window', () => {
    const attributor = () => new Attributor([{ label: 'now', cluster: current() }]);
    let repeated = 0;
    for (let trial = 0; trial < 6; trial++) {
      const rnd = random(70 + trial);
      const events = groupEvents(rnd, 1000 + rnd(3000), trial % 2 ? ADDRESSES.slice(0, 4) : ADDRESSES);
      const since = Date.UTC(2026, 10, 18) + rnd(3) * 86_400_000 + rnd(3_600_000);
      const until = since + (1 + rnd(6)) * 86_400_000 + rnd(3_600_000);
      const tuples = tuplesOf(events, since, until, rnd);
      const what = `trial ${trial}, ${new Date(since).toISOString()} to ${new Date(until).toISOString()}`;
      repeated += tuples.filter((t) => t.count > 1 && t.first !== t.last).length;
      const flows = [...flowsInTimeOrder(tuples)];
      assert.equal(flows.length, tuples.reduce((n, t) => n + t.count, 0));
      assert.ok(flows.every((f) => f.time! >= since && f.time! < until), what);

      const r = new Replayer(proposed(), current());
      for (const f of flows) r.add(f);
      assert.deepEqual(replayCounted(countedInTimeOrder(tuples)), replayResult(r), `replay, ${what}`);
      for (const scope of ADVISE_SCOPES) {
        const a = new Advisor(current(), scope);
        for (const f of flows) a.add(f);
        assert.deepEqual(adviseCounted(countedInTimeOrder(tuples), scope), a.result(objects(CURRENT, 'current.yaml'), (o) => buildCluster(o)), `advise ${scope}, ${what}`);
      }
      // flows summary: every figure, and the disagreement examples, as from the lines
      const window = { since, until };
      const lines = new FlowSummarizer(attributor(), window);
      for (const f of flows) lines.add(f);
      const tally = new FlowSummarizer(attributor(), window);
      tally.addTally(tallyOfTuples(tuples), []);
      const want = lines.result();
      assert.ok(want.denied > 0 && want.disagreements > 10, `${what}: denials and more disagreements than examples: ${JSON.stringify(want).slice(0, 300)}`);
      assert.deepEqual(tally.result(), want, `summary, ${what}`);
    }
    assert.ok(repeated > 50, `${repeated} tuples stand for lines at two times`);
  });

  it('merges addresses into the fewest CIDRs that hold exactly them', () => {
    for (let trial = 0; trial < 40; trial++) {
      const rnd = random(3000 + trial);
      const v6 = trial % 4 === 3;
      // addresses drawn from a small block, so siblings and whole blocks occur
      const set = new Set<number>();
      for (let i = rnd(70); i >= 0; i--) set.add(rnd(64));
      const text = (n: number) => (v6 ? `2001:db8::${n.toString(16)}` : `10.1.2.${n}`);
      const addresses: Address[] = [...set, ...set].map((n) => parseAddress(text(n))!); // duplicates too
      const cidrs = mergeAddresses(addresses);
      const covered = new Set<number>();
      const blocks = cidrs.map((c) => {
        const [ip, bits] = c.split('/');
        const width = v6 ? 128 : 32;
        const base = Number(parseAddress(ip!)!.value & 0xffn);
        const size = 2 ** (width - Number(bits));
        for (let k = 0; k < size; k++) covered.add(base + k);
        return { base, size };
      });
      assert.deepEqual([...covered].sort((a, b) => a - b), [...set].sort((a, b) => a - b), `trial ${trial}: exactly the addresses`);
      // the fewest: no two blocks are the halves of one, and they come in address order
      for (let i = 1; i < blocks.length; i++) {
        const [a, b] = [blocks[i - 1]!, blocks[i]!];
        assert.ok(a.base + a.size <= b.base, `trial ${trial}: ${cidrs.join(' ')} in order`);
        assert.ok(!(a.size === b.size && a.base % (2 * a.size) === 0 && b.base === a.base + a.size), `trial ${trial}: ${cidrs.join(' ')} merge further`);
      }
    }
  });

  it('through the command line: counted by default, line by line with --strict, the same answers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-replay-cli-'));
    try {
      const cluster = join(dir, 'current.yaml');
      const proposal = join(dir, 'proposed.yaml');
      writeFileSync(cluster, CURRENT);
      writeFileSync(proposal, PROPOSED);
      // no malformed lines (--strict would stop at one), several files, one gzip
      const rnd = random(42);
      const clean = (t: string) => t.split('\n').filter((l) => l.startsWith('{"level":"info","ts"') && l.includes('Flow Info')).join('\n') + '\n';
      const logs = [join(dir, 'a.log'), join(dir, 'b.log.gz')];
      writeFileSync(logs[0]!, clean(agentLog(rnd, 800, ADDRESSES)));
      writeFileSync(logs[1]!, gzipSync(clean(agentLog(rnd, 800, ADDRESSES))));
      const replay = ['replay', ...logs, '-f', cluster, '--proposed', proposal, '--replace-all', '-o', 'json'];
      const a = podwall(replay);
      const b = podwall([...replay, '--strict']);
      assert.equal(a.code, 1, a.stderr);
      assert.equal(b.code, 1, b.stderr);
      assert.ok(JSON.parse(a.stdout).wouldBlock.length > 0);
      assert.equal(a.stdout, b.stdout);
      const advise = ['advise', ...logs, '-f', cluster, '-n', 'shop'];
      const c = podwall(advise);
      const d = podwall([...advise, '--strict']);
      assert.equal(c.code, 0, c.stderr);
      assert.match(c.stdout, /kind: NetworkPolicy/);
      assert.equal(c.stdout, d.stdout);
      assert.equal(c.stderr, d.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
