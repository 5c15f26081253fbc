/**
 * `flows summary` on a flow log file, end to end through the CLI (start-up, cluster, reading,
 * attribution, report), beside a plain read-and-split of the same file in the same run: the ratio
 * is what matters on a shared machine. Agent v1.3 lines between the large cluster's pods, drawn
 * from a pool of distinct connections, as real traffic repeats its paths.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, createWriteStream, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocuments } from '../src/k8s/yaml.js';
import { buildCluster, expandLists } from '../src/model/build.js';
import { generateYaml, SHAPES } from './generate.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function writeLog(path: string, yaml: string, lines: number): Promise<void> {
  const cluster = buildCluster(expandLists(parseDocuments(yaml, 'large.yaml')));
  const pods = cluster.pods.filter((p) => p.ips.length);
  let s = 11;
  const rnd = (n: number): number => {
    // in 32-bit arithmetic (a float product loses the low bits), and from the better high bits
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return (s >>> 8) % n;
  };
  const pool: { a: string; b: string; port: number; verdict: string }[] = [];
  for (let i = 0; i < 100_000; i++) {
    const a = pods[rnd(pods.length)]!;
    const b = pods[rnd(pods.length)]!;
    pool.push({ a: a.ips[0]!.text, b: b.ips[0]!.text, port: b.ports[0]?.port ?? 8080, verdict: rnd(4) === 0 ? 'DENY' : 'ACCEPT' });
  }
  const out = createWriteStream(path);
  const start = Date.UTC(2026, 10, 1);
  let buf = '';
  for (let i = 0; i < lines; i++) {
    const c = pool[rnd(pool.length)]!;
    // time runs forward over four weeks, as a log does
    const ts = new Date(start + Math.floor((i / lines) * 28 * 86_400_000)).toISOString();
    buf += `{"level":"info","ts":"${ts}","logger":"ebpf-client","msg":"Flow Info: Src IP: ${c.a} Src Port: ${30000 + rnd(30000)} Dest IP: ${c.b} Dest Port: ${c.port} Proto TCP Verdict ${c.verdict} Direction ingress, Tier NETWORK_POLICY"}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.end(buf);
  await new Promise<void>((r) => out.on('finish', () => r()));
}

/** The floor: read the file and split it into line strings, nothing else. */
async function readAndSplit(path: string): Promise<{ ms: number; lines: number }> {
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

export async function measureFlows(lines: number): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'podwall-bench-flows-'));
  try {
    const yaml = generateYaml(SHAPES.large);
    writeFileSync(join(dir, 'large.yaml'), yaml);
    const log = join(dir, 'agent.log');
    await writeLog(log, yaml, lines);
    const split = await readAndSplit(log);
    const runSummary = (file: string): { ms: number; stdout: string } => {
      const t = performance.now();
      const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'podwall.js'), 'flows', 'summary', '-f', join(dir, 'large.yaml'), file, '-o', 'json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
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
    const baseMs = runSummary(one).ms;
    const { ms, stdout } = runSummary(log);
    const summary = JSON.parse(stdout) as { flows?: number; denied?: number; summary?: { flows: number; denied: number } };
    const s = summary.summary ?? summary;
    const perS = (n: number, t: number): number => Math.round(n / (t / 1000));
    return {
      workload: 'flows',
      cluster: 'large',
      lines,
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
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
