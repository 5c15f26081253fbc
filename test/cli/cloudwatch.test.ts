// --cloudwatch LOG_GROUP: flows counted by a Logs Insights query, through the real AWS SDK and real
// HTTP, against a stand-in CloudWatch Logs on 127.0.0.1 that evaluates the query over its events.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeCloudWatchLogs, type LogEvent } from '../fixtures/cloudwatch-logs.js';
import { podwall, podwallAsync, ROOT } from '../helpers.js';

const FX = 'test/fixtures/flows';
// the second snapshot comes into force at half past midnight: an hour's tuples must be cut there
const CUT = '2026-11-20T00:30:00Z';
const SNAPSHOTS = ['--snapshot', `${FX}/before.yaml`, '--snapshot', `${FX}/cluster.yaml@${CUT}`];
const WINDOW = ['--since', '2026-11-18T00:00:00Z', '--until', '2026-11-25T00:00:00Z'];
const GROUP = '/aws/eks/shop/cluster';

/** A seeded generator, so the fixture is the same on every run. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// [source, destination, port, protocol, verdict]: the fixture cluster's traffic, allowed, denied,
// expired, a reused pod IP (10.0.1.20), a ClusterIP, IPv6, the outside world, ICMP and a broken address
const TUPLES: [string, string, number, string, string][] = [
  ['10.0.1.10', '172.20.0.10', 80, 'TCP', 'ACCEPT'],
  ['10.0.1.10', '10.0.1.12', 5432, 'TCP', 'DENY'],
  ['10.0.1.20', '10.0.1.12', 5432, 'TCP', 'ACCEPT'],
  ['10.0.1.20', '10.0.1.12', 5432, 'TCP', 'DENY'],
  ['10.0.1.11', '10.0.1.12', 5432, 'TCP', 'ACCEPT'],
  ['10.0.1.10', '10.0.2.53', 53, 'UDP', 'ACCEPT'],
  ['10.0.1.10', '10.0.1.11', 9999, 'TCP', 'DENY'],
  ['10.0.1.10', '10.0.1.11', 9999, 'TCP', 'ACCEPT'],
  ['8.8.8.8', '10.0.1.11', 8080, 'TCP', 'DENY'],
  ['fd00::99', 'fd00::11', 8080, 'TCP', 'DENY'],
  ['10.0.1.10', '10.0.1.11', 8080, 'TCP', 'EXPIRED/DELETED'],
  ['10.0.1.10', '10.0.1.11', 0, 'ICMP', 'DENY'],
  ['10.0.1.300', '10.0.1.11', 8080, 'TCP', 'DENY'],
];

function fixtureEvents(n: number): LogEvent[] {
  const rnd = random(12);
  const from = Date.parse('2026-11-18T00:00:00Z');
  const week = 7 * 86_400_000;
  const events: LogEvent[] = [];
  for (let i = 0; i < n; i++) {
    const [sip, dip, dport, proto, verdict] = TUPLES[Math.floor(rnd() * TUPLES.length)]!;
    const tier = rnd() < 0.5 ? ';Tier: NETWORK_POLICY' : ''; // before agent v1.3.2 there is no Tier
    const message = `Node: ip-192-168-1-10.ec2.internal;SIP: ${sip};SPORT: ${30000 + Math.floor(rnd() * 30000)};DIP: ${dip};DPORT: ${dport};PROTOCOL: ${proto};PolicyVerdict: ${verdict}${tier}`;
    events.push({ timestamp: from + Math.floor(rnd() * week), message });
    // the group holds the control plane's logs too
    if (i % 50 === 0) events.push({ timestamp: from + Math.floor(rnd() * week), message: 'I1120 08:00:00.000000 1 controller.go:123] kube-apiserver log line' });
  }
  // a burst on the snapshot's minute, either side of it
  for (const t of [Date.parse(CUT) - 1, Date.parse(CUT)]) events.push({ timestamp: t, message: 'Node: n;SIP: 10.0.1.20;SPORT: 40000;DIP: 10.0.1.12;DPORT: 5432;PROTOCOL: TCP;PolicyVerdict: ACCEPT' });
  return events.sort((a, b) => a.timestamp - b.timestamp);
}

const cw = new FakeCloudWatchLogs();
const dir = mkdtempSync(join(tmpdir(), 'podwall-cw-'));
const exported = join(dir, 'export.jsonl');

const env = (): NodeJS.ProcessEnv => ({
  AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: cw.endpoint,
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_REGION: 'eu-west-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: '/nonexistent',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
});
const run = (args: string[], extra: NodeJS.ProcessEnv = {}) => podwallAsync(args, { ...env(), ...extra });

/**
 * A summary less its disagreement examples: those are the first few disagreements met, and a
 * file meets them line by line where the tuples come in time order of their first line.
 */
function comparable(summary: { disagreementExamples: { text: string }[] }): unknown {
  return { ...summary, disagreementExamples: summary.disagreementExamples.length };
}

describe('--cloudwatch: flows counted by a Logs Insights query', () => {
  before(async () => {
    const events = fixtureEvents(6000);
    cw.groups.set(GROUP, events);
    // the same events, as `aws logs` exports them to a file
    writeFileSync(exported, events.map((e) => JSON.stringify({ timestamp: e.timestamp, message: e.message })).join('\n') + '\n');
    cw.rowLimit = 400; // far fewer than the fixture's distinct flow-hours: the time range must be split
    await cw.start();
  });
  after(() => cw.stop());

  it('flows summary equals the summary of the same lines read from a file', async () => {
    const file = podwall(['flows', 'summary', exported, ...SNAPSHOTS, ...WINDOW, '-o', 'json']);
    assert.equal(file.code, 0, file.stderr);
    const r = await run(['flows', 'summary', '--cloudwatch', GROUP, ...SNAPSHOTS, ...WINDOW, '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const a = JSON.parse(file.stdout);
    const b = JSON.parse(r.stdout);
    assert.ok(a.summary.flows > 5000 && a.summary.denied > 1000 && a.summary.disagreements > 0, 'the fixture exercises every counter');
    assert.deepEqual(comparable(b.summary), comparable(a.summary));
    // examples from CloudWatch have no source port (the query does not keep it), nor file and line
    for (const e of b.summary.disagreementExamples) assert.match(e.text, /^\S+ -> \S+\/(TCP|UDP): log says (allow|deny), the model says (allow|deny) \(/);
    assert.equal(b.input.flows, a.input.flows);
    assert.equal(b.input.malformed, a.input.malformed);
    assert.ok(b.input.malformed > 0 && b.input.skipped > 0, 'broken addresses and ICMP are counted, as in files');
    assert.match(r.stderr, new RegExp(`log group ${GROUP}: ${b.input.lines} flow lines in \\d+ distinct flows, \\d+ Logs Insights queries`));
    assert.match(r.stderr, /line\(s\) not read: invalid source address "10\.0\.1\.300"/);
    const strict = await run(['flows', 'summary', '--cloudwatch', GROUP, ...SNAPSHOTS, ...WINDOW, '--strict']);
    assert.equal(strict.code, 2);
    assert.match(strict.stderr, /^podwall: log group \/aws\/eks\/shop\/cluster: malformed flow line: invalid source address "10\.0\.1\.300" \(\d+ line\(s\); --strict\)\n$/);
    // the row limit forced splits, and the spans were cut where the second snapshot comes into force
    const started = cw.started.filter((s) => s.group === GROUP);
    assert.ok(started.length > 4, `${started.length} queries`);
    assert.ok(cw.maxRunning > 1 && cw.maxRunning <= 4, `${cw.maxRunning} queries at once: a few, never more`);
    assert.ok(started.some((s) => s.queryString.includes(`ms < ${Date.parse(CUT)}`)));
    assert.ok(started.every((s) => s.queryString.includes('bin(1h)')));
    assert.doesNotMatch(r.stderr, /not counted/);
    assert.equal(r.stderr.includes('\r'), false, 'no progress on a pipe');
  });

  it('flows summary over one state of the cluster attributes the counted tuples, with the figures of the file', async () => {
    const one = ['-f', `${FX}/cluster.yaml`, ...WINDOW, '-o', 'json'];
    const file = podwall(['flows', 'summary', exported, ...one]);
    assert.equal(file.code, 0, file.stderr);
    const r = await run(['flows', 'summary', '--cloudwatch', GROUP, ...one]);
    assert.equal(r.code, 0, r.stderr);
    const a = JSON.parse(file.stdout);
    const b = JSON.parse(r.stdout);
    assert.ok(a.summary.denied > 1000 && a.summary.disagreements > 10, 'the fixture exercises every counter');
    assert.deepEqual(comparable(b.summary), comparable(a.summary));
    // (the group's other messages are not lines of the query's result: lines and skipped differ)
    assert.deepEqual([b.input.flows, b.input.malformed], [a.input.flows, a.input.malformed]);
  });

  it('replay and advise read the log group as they read files', async () => {
    const strict = join(dir, 'strict.yaml');
    writeFileSync(strict, 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny, namespace: shop}\nspec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n');
    const args = ['-f', `${FX}/cluster.yaml`, '--proposed', strict, '--replace-all', '-o', 'json'];
    const file = JSON.parse(podwall(['replay', exported, ...args]).stdout);
    const r = await run(['replay', '--cloudwatch', GROUP, ...WINDOW, ...args]);
    assert.equal(r.code, 1, r.stderr);
    const j = JSON.parse(r.stdout);
    const blocked = (x: { wouldBlock: { from: string; to: string; port: number; count: number }[] }) => x.wouldBlock.map((b) => `${b.from} -> ${b.to}:${b.port} ${b.count}`).sort();
    assert.ok(j.wouldBlock.length > 0);
    assert.deepEqual(blocked(j), blocked(file));
    assert.equal(j.observedAllowed, file.observedAllowed);
    assert.deepEqual(j.unusedAllowed, file.unusedAllowed);

    const adviceFile = podwall(['advise', exported, '-f', `${FX}/cluster.yaml`, '-n', 'shop']);
    const advice = await run(['advise', '--cloudwatch', GROUP, ...WINDOW, '-f', `${FX}/cluster.yaml`, '-n', 'shop']);
    assert.equal(advice.code, 0, advice.stderr);
    // from a file, each example names its file and line
    const body = (s: string) => s.slice(s.indexOf('---')).replace(/ \(\/[^()]*:\d+\)$/gm, '');
    assert.match(advice.stdout, /kind: NetworkPolicy/);
    assert.equal(body(advice.stdout), body(adviceFile.stdout));
  });

  it('incidents reads the log group too', async () => {
    const file = podwall(['incidents', exported, ...SNAPSHOTS, ...WINDOW, '-o', 'json']);
    const r = await run(['incidents', '--cloudwatch', GROUP, ...SNAPSHOTS, ...WINDOW, '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).incidents.length, JSON.parse(file.stdout).incidents.length);
  });

  it('says when a span still hits the row limit at the smallest split, and how many lines it could not count', async () => {
    const at = Date.parse('2026-11-21T10:00:05Z');
    const msg = (ip: string) => `Node: n;SIP: ${ip};SPORT: 1;DIP: 10.0.1.12;DPORT: 5432;PROTOCOL: TCP;PolicyVerdict: DENY`;
    cw.groups.set('/aws/eks/busy/cluster', [{ timestamp: at, message: msg('10.0.1.10') }, { timestamp: at + 1, message: msg('10.0.1.11') }, { timestamp: at + 2, message: msg('10.0.1.11') }]);
    const limit = cw.rowLimit;
    cw.rowLimit = 1;
    try {
      const r = await run(['flows', 'summary', '--cloudwatch', '/aws/eks/busy/cluster', '-f', `${FX}/cluster.yaml`, '--since', '2026-11-21T10:00:00Z', '--until', '2026-11-21T11:00:00Z', '-o', 'json']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /more distinct flows than one Logs Insights query returns \((1|2) lines not counted\), even in spans of \d+ s/);
      const flows = JSON.parse(r.stdout).summary.flows;
      assert.ok(flows === 1 || flows === 2, String(flows));
      const spans = cw.started.filter((s) => s.group === '/aws/eks/busy/cluster');
      assert.ok(spans.length > 5 && spans.length < 40, `${spans.length} queries: split down to the bound, and no further`);
    } finally {
      cw.rowLimit = limit;
    }
  });

  it('waits out throttling, and gives up after a bounded number of attempts', async () => {
    cw.groups.set('/aws/eks/throttled/cluster', cw.groups.get(GROUP)!.slice(0, 50));
    cw.throttle.set('/aws/eks/throttled/cluster', 2);
    const ok = await run(['flows', 'summary', '--cloudwatch', '/aws/eks/throttled/cluster', '-f', `${FX}/cluster.yaml`, ...WINDOW, '-o', 'json']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(cw.throttle.get('/aws/eks/throttled/cluster'), 0, 'both throttled calls were retried');
    cw.groups.set('/aws/eks/busy-account/cluster', []);
    cw.throttle.set('/aws/eks/busy-account/cluster', Infinity);
    const r = await run(['flows', 'summary', '--cloudwatch', '/aws/eks/busy-account/cluster', '-f', `${FX}/cluster.yaml`, ...WINDOW]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^podwall: log group \/aws\/eks\/busy-account\/cluster: CloudWatch Logs is throttling queries .* still after 6 attempts; try again later\n$/);
  });

  it('turns failed and cancelled queries, a missing group, no credentials and no region into one sentence, exit 2', async () => {
    cw.groups.set('/aws/eks/failing/cluster', []);
    cw.endIn.set('/aws/eks/failing/cluster', 'Failed');
    cw.groups.set('/aws/eks/cancelled/cluster', []);
    cw.endIn.set('/aws/eks/cancelled/cluster', 'Cancelled');
    cw.groups.set('/aws/eks/slow/cluster', []);
    cw.endIn.set('/aws/eks/slow/cluster', 'Timeout');
    cw.groups.set('/aws/eks/endless/cluster', []);
    cw.endless.add('/aws/eks/endless/cluster');
    cw.groups.set('/aws/eks/private/cluster', []);
    cw.denied.add('/aws/eks/private/cluster');
    const base = ['-f', `${FX}/cluster.yaml`, ...WINDOW];
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['--cloudwatch', '/aws/eks/failing/cluster'], {}, /log group \/aws\/eks\/failing\/cluster: the Logs Insights query q-\d+ failed \(2026-11-18T00:00:00.000Z to 2026-11-25T00:00:00.000Z\); try again/],
      [['--cloudwatch', '/aws/eks/cancelled/cluster'], {}, /log group \/aws\/eks\/cancelled\/cluster: the Logs Insights query q-\d+ was cancelled/],
      [['--cloudwatch', '/aws/eks/slow/cluster'], {}, /log group \/aws\/eks\/slow\/cluster: the Logs Insights query q-\d+ timed out in CloudWatch .*; give a shorter --since\/--until range/],
      [['--cloudwatch', '/aws/eks/endless/cluster', '--cloudwatch-timeout', '2s'], {}, /log group \/aws\/eks\/endless\/cluster: the Logs Insights query q-\d+ did not finish within 2 s .*; it was stopped/],
      [['--cloudwatch', '/aws/eks/private/cluster'], {}, /log group \/aws\/eks\/private\/cluster: access denied: the credentials need logs:StartQuery, logs:GetQueryResults and logs:StopQuery/],
      [['--cloudwatch', '/aws/eks/nope/cluster', '--region', 'us-east-2'], {}, /log group \/aws\/eks\/nope\/cluster in us-east-2: no such log group \(The specified log group does not exist\.\); the EKS agent writes to \/aws\/eks\/CLUSTER\/cluster/],
      [['--cloudwatch', GROUP], { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: 'podwall-no-such-profile' }, /log group \/aws\/eks\/shop\/cluster: .*(credentials|profile)/i],
      [['--cloudwatch', GROUP], { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined }, /log group \/aws\/eks\/shop\/cluster: no AWS region: give --region or set AWS_REGION/],
    ];
    for (const [args, extra, message] of cases) {
      const r = await run(['flows', 'summary', ...args, ...base], extra);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
    // the query that ran too long was stopped, not left running (and paid for) in the account
    const endless = cw.started.findIndex((s) => s.group === '/aws/eks/endless/cluster');
    assert.ok(endless >= 0 && cw.stopped.length === 1, String(cw.stopped));
  });

  it('shows progress on a terminal', { skip: !existsSync('/usr/bin/script') && 'no script(1) to give podwall a terminal' }, async () => {
    cw.groups.set('/aws/eks/small/cluster', cw.groups.get(GROUP)!.slice(0, 200));
    const cmd = [process.execPath, join(ROOT, 'bin', 'podwall.js'), 'flows', 'summary', '--cloudwatch', '/aws/eks/small/cluster', '-f', `${FX}/cluster.yaml`, ...WINDOW].map((a) => `'${a}'`).join(' ');
    const out = await new Promise<string>((resolve) => {
      const child = spawn('/usr/bin/script', ['-qefc', cmd, '/dev/null'], { cwd: ROOT, env: { ...process.env, ...env(), NO_COLOR: '1' } });
      let text = '';
      child.stdout.on('data', (d) => (text += d));
      child.on('close', () => resolve(text));
    });
    assert.match(out, /\r\x1b\[Kpodwall: \/aws\/eks\/small\/cluster: Logs Insights queries 0 done, 1 to go/);
    assert.match(out, /denied/, 'and then the summary');
  });

  it('asks for --since, and for one source', async () => {
    const noSince = await run(['flows', 'summary', '--cloudwatch', GROUP, '-f', `${FX}/cluster.yaml`]);
    assert.equal(noSince.code, 2);
    assert.match(noSince.stderr, /--cloudwatch \/aws\/eks\/shop\/cluster needs --since/);
    const both = await run(['replay', exported, '--cloudwatch', GROUP, '--proposed', `${FX}/cluster.yaml`, '-f', `${FX}/cluster.yaml`]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /give flow log files or --cloudwatch \/aws\/eks\/shop\/cluster, not both/);
    const none = await run(['advise', '-f', `${FX}/cluster.yaml`]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /give flow log files \(or --cloudwatch LOG_GROUP\)/);
    const format = await run(['flows', 'summary', '--cloudwatch', GROUP, '--format', 'agent', '-f', `${FX}/cluster.yaml`, ...WINDOW]);
    assert.equal(format.code, 2);
    assert.match(format.stderr, /--format is for log files/);
    const window = await run(['replay', exported, '--since', '1d', '--proposed', `${FX}/cluster.yaml`, '-f', `${FX}/cluster.yaml`]);
    assert.equal(window.code, 2);
    assert.match(window.stderr, /--since and --until go with --cloudwatch here/);
  });
});
