/**
 * `podwall incidents` on the large generated cluster with a change point that empties every tenth
 * NetworkPolicy (1,368 objects at once): the case where the cause finder builds one
 * counterfactual model per changed object. Writes the inputs into a directory and prints the
 * command to time, so two builds can be run on the same files:
 *
 *   node dist/bench/incidents.js DIR [LINES]
 *   /usr/bin/time -v node bin/podwall.js incidents DIR/agent.log --snapshot DIR/before.yaml@2026-11-01T00:00:00Z --snapshot DIR/after.yaml@2026-11-10T12:00:00Z -o json
 *
 * The log's verdicts are the model's (before the change, then after it), so every connection the
 * change blocks shows up as denied after it; connections repeat from a pool, as real traffic does.
 */
import { mkdirSync, writeFileSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Attributor } from '../src/flows/attribute.js';
import { parseDocuments } from '../src/k8s/yaml.js';
import { buildCluster, expandLists } from '../src/model/build.js';
import { parseAddress } from '../src/net/ip.js';
import { generateYaml, SHAPES } from './generate.js';

export const CHANGE_AT = Date.UTC(2026, 10, 10, 12);

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: incidents.js DIR [LINES]');
  const lines = Number(process.argv[3] ?? 100_000);
  mkdirSync(dir, { recursive: true });
  const yaml = generateYaml(SHAPES.large);
  writeFileSync(join(dir, 'before.yaml'), yaml);
  // every tenth NetworkPolicy loses its rules but keeps its pods isolated both ways (a botched
  // values file, say): removing policies would mostly open traffic, this blocks it
  let n = 0;
  let changed = 0;
  const victims: { ns: string; app?: string }[] = [];
  const docs = yaml.split(/^---$/m).map((d) => {
    if (!/^kind: NetworkPolicy$/m.test(d) || n++ % 10 !== 0) return d;
    changed++;
    const ns = /^  namespace: (\S+)$/m.exec(d)?.[1];
    const app = /^  podSelector:\n    matchLabels:\n      app: (\S+)$/m.exec(d)?.[1];
    if (ns) victims.push({ ns, ...(app ? { app } : {}) });
    const lines = d.split('\n');
    const spec = lines.indexOf('spec:');
    const keep = lines.slice(0, spec + 1);
    for (let i = spec + 1; i < lines.length; i++) {
      if (lines[i]!.startsWith('  podSelector:')) {
        keep.push(lines[i]!);
        for (let j = i + 1; j < lines.length && lines[j]!.startsWith('    '); j++) keep.push(lines[j]!);
      }
    }
    return `${keep.join('\n')}\n  policyTypes: [Ingress, Egress]\n`;
  });
  writeFileSync(join(dir, 'after.yaml'), docs.join('---'));
  const before = buildCluster(expandLists(parseDocuments(yaml, 'before.yaml')));
  const after = buildCluster(expandLists(parseDocuments(docs.join('---'), 'after.yaml')));
  const model = new Attributor([
    { label: 'before', cluster: before },
    { label: 'after', at: CHANGE_AT, cluster: after },
  ]);
  const pods = before.pods.filter((p) => p.ips.length);
  let s = 7;
  const rnd = (k: number): number => {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return (s >>> 8) % k;
  };
  const pool: { a: string; b: string; port: number }[] = [];
  // connections the policies allow before the change: legitimate traffic; half of them to a pod
  // that one of the changed policies selects, so that the change blocks some
  const selected = pods.filter((p) => victims.some((v) => v.ns === p.namespace && (v.app === undefined || p.labels.app === v.app)));
  for (let tries = 0; pool.length < 20_000 && tries < 2_000_000; tries++) {
    const a = pods[rnd(pods.length)]!;
    const b = tries % 2 ? selected[rnd(selected.length)]! : pods[rnd(pods.length)]!;
    const c = { a: a.ips[0]!.text, b: b.ips[0]!.text, port: b.ports[0]?.port ?? 8080 };
    if (model.attribute({ time: 0, src: parseAddress(c.a)!, dst: parseAddress(c.b)!, dstPort: c.port, protocol: 'TCP', verdict: 'allow' }).modelAllowed) pool.push(c);
  }
  const out = createWriteStream(join(dir, 'agent.log'));
  // two hours before the change, one after, lines evenly spread
  const start = CHANGE_AT - 2 * 3_600_000;
  const span = 3 * 3_600_000;
  let buf = '';
  for (let i = 0; i < lines; i++) {
    const c = pool[i < pool.length * 3 ? i % pool.length : rnd(pool.length)]!;
    const time = start + Math.floor((i / lines) * span);
    const judged = model.attribute({ time, src: parseAddress(c.a)!, dst: parseAddress(c.b)!, dstPort: c.port, protocol: 'TCP', verdict: 'allow' });
    // a denial is logged by the side that denies it
    const side = judged.modelAllowed || judged.egressAllowed ? 'ingress' : 'egress';
    buf += `{"level":"info","ts":"${new Date(time).toISOString()}","logger":"ebpf-client","msg":"Flow Info: Src IP: ${c.a} Src Port: ${30000 + rnd(30000)} Dest IP: ${c.b} Dest Port: ${c.port} Proto TCP Verdict ${judged.modelAllowed ? 'ACCEPT' : 'DENY'} Direction ${side}, Tier NETWORK_POLICY"}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.end(buf);
  await new Promise<void>((r) => out.on('finish', () => r()));
  process.stdout.write(`${changed} of ${n} NetworkPolicies emptied at ${new Date(CHANGE_AT).toISOString()}; ${lines} lines in ${join(dir, 'agent.log')}\n`);
}

await main();
