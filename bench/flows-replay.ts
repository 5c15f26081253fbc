/**
 * `replay` and `advise` on the bench's flow log (bench/flows.ts writes it), end to end through the
 * CLI, beside a plain read-and-split of the same file in the same run. Each command also runs on a
 * one-line log: what remains is the cost of the lines (replay's matrix of the proposal, advise's
 * policies and their replay do not grow with them). The typical cluster: replay streams the
 * proposal's whole matrix, which on the large one would dwarf the flows.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readAndCount, readAndSplit, writeLog } from './flows.js';
import { generateYaml, SHAPES } from './generate.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A proposal that breaks traffic: a default-deny in the first namespaces that hold pods. */
function proposal(yaml: string): string {
  const namespaces = [...new Set([...yaml.matchAll(/^kind: Pod\nmetadata:\n(?:  .*\n)*?  namespace: (\S+)/gm)].map((m) => m[1]!))].slice(0, 5);
  return namespaces.map((ns) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: bench-default-deny\n  namespace: ${ns}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n`).join('---\n');
}

export async function measureReplayAdvise(lines: number): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'podwall-bench-replay-'));
  try {
    const yaml = generateYaml(SHAPES.typical);
    const cluster = join(dir, 'typical.yaml');
    writeFileSync(cluster, yaml);
    const proposed = join(dir, 'proposed.yaml');
    writeFileSync(proposed, proposal(yaml));
    const log = join(dir, 'agent.log');
    const { connections } = await writeLog(log, yaml, lines);
    const one = join(dir, 'one.log');
    const head = Buffer.alloc(4096);
    const fd = openSync(log, 'r');
    readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    writeFileSync(one, head.subarray(0, head.indexOf(10) + 1));
    const split = await readAndSplit(log);
    const count = await readAndCount(log);
    const time = (args: string[]): { ms: number; stdout: string } => {
      const t = performance.now();
      const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'podwall.js'), ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
      if (r.status !== 0 && r.status !== 1) throw new Error(`podwall ${args[0]} failed (${r.status ?? r.signal ?? r.error?.message}): ${r.stderr}`);
      return { ms: performance.now() - t, stdout: r.stdout };
    };
    const perS = (n: number, ms: number): number => Math.round(n / (ms / 1000));
    const ratio = (ms: number): number => Math.round((ms / split.ms) * 100) / 100;
    const out: Record<string, unknown> = { workload: 'flows-replay-advise', cluster: 'typical', lines, connections, mb: Math.round(statSync(log).size / 1048576), read_split_ms: Math.round(split.ms), read_split_lines_per_s: perS(split.lines, split.ms), read_count_ms: Math.round(count.ms) };
    const commands: [string, (file: string) => string[]][] = [
      ['replay', (file) => ['replay', file, '-f', cluster, '--proposed', proposed]],
      ['advise', (file) => ['advise', file, '-f', cluster]],
    ];
    for (const [name, args] of commands) {
      const base = time(args(one)).ms;
      const { ms, stdout } = time(args(log));
      if (name === 'replay') out.replay_would_block = Number(/would block (\d+) observed/.exec(stdout)?.[1] ?? 0); // text: -o json lists every unused pair (hundreds of MB)
      out[`${name}_ms`] = Math.round(ms);
      out[`${name}_base_ms`] = Math.round(base);
      out[`${name}_lines_per_s`] = perS(lines, ms - base);
      out[`${name}_ratio_to_read_split`] = ratio(ms - base);
      out[`${name}_ratio_to_read_count`] = Math.round(((ms - base) / count.ms) * 100) / 100;
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
