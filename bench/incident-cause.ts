/**
 * The cost of finding the cause of incidents when one change point touches 1,368 policies of the
 * large generated cluster (the inputs of bench/incidents.ts): one denied flow per changed policy,
 * to a pod that policy selects, each asked for its cause (which counterfactual models undo each
 * object alone). Run it with two builds on the same inputs to compare them; the digest of the
 * answers must be the same:
 *
 *   node --expose-gc dist/bench/incident-cause.js DIR [DIST]     (DIST: another build's dist/, default this one)
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The change time bench/incidents.ts writes. */
const CHANGE_AT = Date.UTC(2026, 10, 10, 12);
const here = resolve(dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<void> {
  const [dir, dist = here] = process.argv.slice(2);
  if (!dir) throw new Error('usage: incident-cause.js DIR [DIST]');
  const load = async <T>(m: string): Promise<T> => (await import(join(resolve(dist), 'src', m))) as T;
  const { parseDocuments } = await load<typeof import('../src/k8s/yaml.js')>('k8s/yaml.js');
  const { buildCluster, expandLists } = await load<typeof import('../src/model/build.js')>('model/build.js');
  const { Attributor } = await load<typeof import('../src/flows/attribute.js')>('flows/attribute.js');
  const { buildTimeline, timelineSnapshots } = await load<typeof import('../src/incidents/timeline.js')>('incidents/timeline.js');
  const { CauseFinder } = await load<typeof import('../src/incidents/cause.js')>('incidents/cause.js');
  const { makeMatchContext, selects } = await load<typeof import('../src/engine/match.js')>('engine/match.js');
  const { policyLabel } = await load<typeof import('../src/policy/types.js')>('policy/types.js');

  const read = (name: string, at: number) => {
    const objects = expandLists(parseDocuments(readFileSync(join(dir, name), 'utf8'), name));
    return { at, label: name, objects, cluster: buildCluster(objects) };
  };
  const snapshots = [read('before.yaml', CHANGE_AT - 86_400_000), read('after.yaml', CHANGE_AT)];
  const timeline = buildTimeline(snapshots);
  const cp = timeline.changes[0]!;
  const states = timelineSnapshots(timeline, {});
  const attributor = new Attributor(states);
  const finder = new CauseFinder(timeline, states, attributor);

  // one denied flow per changed policy: from a pod of another namespace to a pod it selects
  const after = states[cp.state]!.cluster;
  const ctx = makeMatchContext(after);
  const byLabel = new Map(after.policies.map((p) => [policyLabel(p.ref), p]));
  const pods = after.pods.filter((p) => p.ips.length);
  const flows = [];
  for (const c of cp.changes) {
    const policy = byLabel.get(c.label);
    const dst = policy && pods.find((p) => selects(policy.subject, p, ctx));
    const src = dst && pods.find((p) => p.namespace !== dst.namespace);
    if (dst && src) flows.push({ time: CHANGE_AT + 60_000, src: src.ips[0]!, dst: dst.ips[0]!, dstPort: dst.ports[0]?.port ?? 8080, protocol: 'TCP' as const, verdict: 'deny' as const });
  }
  (globalThis as { gc?: () => void }).gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const t = performance.now();
  const answers = flows.map((f) => finder.cause(f, cp, true).objects.map((o) => [o.label, o.decisive]));
  const ms = performance.now() - t;
  (globalThis as { gc?: () => void }).gc?.();
  const heapMb = (process.memoryUsage().heapUsed - heap0) / 1048576;
  const decisive = answers.flat().filter((a) => a[1]).length;
  process.stdout.write(
    JSON.stringify({ dist, changedObjects: cp.changes.length, flows: flows.length, decisive, ms: Math.round(ms), heldMb: Math.round(heapMb), rssMb: Math.round(process.memoryUsage().rss / 1048576), digest: createHash('sha256').update(JSON.stringify(answers)).digest('hex').slice(0, 16) }) + '\n',
  );
}

await main();
