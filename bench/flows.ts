/**
 * `flows summary` on a flow log file, end to end through the CLI (start-up, cluster, reading,
 * attribution, report), beside a plain read-and-split of the same file in the same run: the ratio
 * is what matters on a shared machine. Agent v1.3 lines between the large cluster's pods, drawn
 * from a pool of distinct connections, as real traffic repeats its paths. When the agent line scanner
 * in C was built (src/flows/native-scan.ts), the command runs again with the JavaScript one, whose
 * answer must be the same.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, createWriteStream, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocuments } from '../src/k8s/yaml.js';
import { Engine } from '../src/engine/engine.js';
import { nativeScanAvailable } from '../src/flows/native-scan.js';
import { buildCluster, expandLists } from '../src/model/build.js';
import { workloadId, type Pod } from '../src/model/cluster.js';
import { generateYaml, SHAPES } from './generate.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Real traffic is a service graph: each workload calls a few others, every replica of the caller
 * every replica of the callee, over and over with a new source port; a few stray connections
 * between unrelated pods (probes, misconfigured clients) make most of the denials. The agent logs
 * each side on its own node with that side's verdict, so the log agrees with the model. With
 * 2,000,000 lines over ~39k distinct connections a connection repeats ~50 times in four weeks,
 * far fewer than a real one (thousands a day): the worst case for counting distinct connections.
 */
export async function writeLog(path: string, yaml: string, lines: number): Promise<{ connections: number }> {
  const cluster = buildCluster(expandLists(parseDocuments(yaml, 'large.yaml')));
  const engine = new Engine(cluster);
  const pods = cluster.pods.filter((p) => p.ips.length);
  let s = 11;
  const rnd = (n: number): number => {
    // in 32-bit arithmetic (a float product loses the low bits), and from the better high bits
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return (s >>> 8) % n;
  };
  // an app's replicas (bare Pods here: each its own workload to the model, one app to its callers)
  const byWorkload = new Map<string, Pod[]>();
  for (const p of pods) {
    const w = `${p.namespace}/${p.labels.app ?? workloadId(p)}`;
    byWorkload.set(w, [...(byWorkload.get(w) ?? []), p]);
  }
  const workloads = [...byWorkload.values()];
  const verdicts = new Map<string, { ingress: boolean; egress: boolean }>();
  const judge = (a: Pod, b: Pod, port: number): { ingress: boolean; egress: boolean } => {
    const k = `${a.namespace}/${a.labels.app}|${b.namespace}/${b.labels.app}|${port}`;
    let v = verdicts.get(k);
    if (!v) {
      const d = engine.decide({ from: { kind: 'pod', pod: a }, to: { kind: 'pod', pod: b }, port, protocol: 'TCP' });
      verdicts.set(k, (v = { ingress: d.ingress.allowed, egress: d.egress.allowed }));
    }
    return v;
  };
  const pool: { a: string; b: string; port: number; ingress: boolean; egress: boolean; weight: number }[] = [];
  for (const callers of workloads) {
    for (let k = 0; k < 3; k++) {
      const callees = workloads[rnd(workloads.length)]!;
      if (callees === callers) continue;
      for (const a of callers) for (const b of callees) pool.push({ a: a.ips[0]!.text, b: b.ips[0]!.text, port: b.ports[0]?.port ?? 8080, ...judge(a, b, b.ports[0]?.port ?? 8080), weight: 20 });
    }
  }
  for (let i = 0; i < 2000; i++) {
    const a = pods[rnd(pods.length)]!;
    const b = pods[rnd(pods.length)]!;
    pool.push({ a: a.ips[0]!.text, b: b.ips[0]!.text, port: b.ports[0]?.port ?? 8080, ...judge(a, b, b.ports[0]?.port ?? 8080), weight: 1 });
  }
  // the graph carries 20 times the traffic of a stray connection
  const cumulative: number[] = [];
  let total = 0;
  for (const c of pool) cumulative.push((total += c.weight));
  const pick = (): (typeof pool)[number] => {
    const x = rnd(total);
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return pool[lo]!;
  };
  const out = createWriteStream(path);
  const start = Date.UTC(2026, 10, 1);
  let buf = '';
  for (let i = 0; i < lines; i++) {
    const c = pick();
    const side = rnd(2) === 0 ? 'ingress' : 'egress';
    const verdict = c[side] ? 'ACCEPT' : 'DENY';
    // time runs forward over four weeks, as a log does
    const ts = new Date(start + Math.floor((i / lines) * 28 * 86_400_000)).toISOString();
    buf += `{"level":"info","ts":"${ts}","logger":"ebpf-client","msg":"Flow Info: Src IP: ${c.a} Src Port: ${30000 + rnd(30000)} Dest IP: ${c.b} Dest Port: ${c.port} Proto TCP Verdict ${verdict} Direction ${side}, Tier NETWORK_POLICY"}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.end(buf);
  await new Promise<void>((r) => out.on('finish', () => r()));
  return { connections: pool.length };
}

/** The floor: read the file and split it into line strings, nothing else (the reference the flow benches divide by). */
export async function readAndSplit(path: string): Promise<{ ms: number; lines: number }> {
  const t = performance.now();
  let lines = 0;
  let rest = '';
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const parts = (rest + (chunk as Buffer).toString('utf8')).split('\n');
    rest = parts.pop()!;
    lines += parts.length;
  }
  if (rest) lines++;
  return { ms: performance.now() - t, lines };
}

/**
 * A second floor, beside the issue's: read the file and count its newlines in the Buffer (no
 * string), which is what a byte scanner starts from; a string split is slower than the reading.
 */
export async function readAndCount(path: string): Promise<{ ms: number; lines: number }> {
  const t = performance.now();
  let lines = 0;
  let last = 10;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const b = chunk as Buffer;
    for (let nl = b.indexOf(10); nl >= 0; nl = b.indexOf(10, nl + 1)) lines++;
    if (b.length) last = b[b.length - 1]!;
  }
  if (last !== 10) lines++;
  return { ms: performance.now() - t, lines };
}

export async function measureFlows(lines: number): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'podwall-bench-flows-'));
  try {
    const yaml = generateYaml(SHAPES.large);
    writeFileSync(join(dir, 'large.yaml'), yaml);
    const log = join(dir, 'agent.log');
    const { connections } = await writeLog(log, yaml, lines);
    const split = await readAndSplit(log);
    const count = await readAndCount(log);
    const runSummary = (file: string, env: Record<string, string> = {}): { ms: number; stdout: string } => {
      const t = performance.now();
      const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'podwall.js'), 'flows', 'summary', '-f', join(dir, 'large.yaml'), file, '-o', 'json'], { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, ...env } });
      if (r.status !== 0) throw new Error(`flows summary failed: ${r.stderr}`);
      return { ms: performance.now() - t, stdout: r.stdout };
    };
    // start-up and the cluster alone: the same command on a one-line log
    const one = join(dir, 'one.log');
    const head = Buffer.alloc(4096);
    const fd = openSync(log, 'r');
    readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    writeFileSync(one, head.subarray(0, head.indexOf(10) + 1));
    const native = nativeScanAvailable();
    const baseMs = runSummary(one).ms;
    const { ms, stdout } = runSummary(log);
    // the same command with the JavaScript scanner (what runs where the C one was not built), right after
    const js = native ? runSummary(log, { PODWALL_NATIVE_SCAN: '0' }) : undefined;
    if (js && js.stdout !== stdout) throw new Error('flows summary answers otherwise with the JavaScript scanner than with the C one');
    const summary = JSON.parse(stdout) as { flows?: number; denied?: number; summary?: { flows: number; denied: number } };
    const s = summary.summary ?? summary;
    const perS = (n: number, t: number): number => Math.round(n / (t / 1000));
    return {
      workload: 'flows',
      cluster: 'large',
      lines,
      connections,
      mb: Math.round(statSync(log).size / 1048576),
      flows: s.flows,
      denied: s.denied,
      ms: Math.round(ms),
      lines_per_s: perS(lines, ms),
      cluster_and_startup_ms: Math.round(baseMs),
      flows_lines_per_s: perS(lines, ms - baseMs),
      read_split_ms: Math.round(split.ms),
      read_split_lines_per_s: perS(split.lines, split.ms),
      ratio_to_read_split: Math.round((ms / split.ms) * 100) / 100,
      flows_ratio_to_read_split: Math.round(((ms - baseMs) / split.ms) * 100) / 100,
      read_count_ms: Math.round(count.ms),
      read_count_lines_per_s: perS(count.lines, count.ms),
      flows_ratio_to_read_count: Math.round(((ms - baseMs) / count.ms) * 100) / 100,
      native_scanner: native,
      ...(js ? { js_scanner_ms: Math.round(js.ms), js_scanner_lines_per_s: perS(lines, js.ms) } : {}),
      load: Math.round(loadavg()[0]! * 10) / 10,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
