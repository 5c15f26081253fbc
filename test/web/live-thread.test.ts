// A watched cluster's re-evaluation off the server's thread: `podwall serve` on the stand-in API server, with a
// cluster of 312 pods whose EKS matrix and audit take seconds. While a change is evaluated the server answers the summary at
// once (in its worker thread, the default), where the server that evaluates in its own thread
// (PODWALL_SERVE_THREADS=0, as every change was evaluated before) makes it wait; and both push the same change.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { parseDocuments } from '../../src/k8s/yaml.js';
import { FakeApiServer, NETWORK_POLICIES_PATH, PODS_PATH } from '../fixtures/apiserver.js';
import { namedPortsAtScale } from './eks-folded-cluster.js';
import { killAll, serve, stop, type Served } from './serve-process.js';

after(killAll);

/** The `change` events of the stream, as they come. */
function changes(origin: string): { got: Record<string, unknown>[]; close: () => void } {
  const got: Record<string, unknown>[] = [];
  let buf = '';
  const req = request(`${origin}/api/events`, (res) => {
    res.setEncoding('utf8');
    res.on('data', (d: string) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = /^event: change\ndata: (.*)$/m.exec(block)?.[1];
        if (data) got.push(JSON.parse(data));
      }
    });
  });
  req.on('error', () => undefined);
  req.end();
  return { got, close: () => req.destroy() };
}

/** Asks for the summary over and over until `done`, and gives the longest wait for an answer. */
async function longestSummaryWait(s: Served, done: () => boolean): Promise<{ longest: number; asked: number }> {
  let longest = 0;
  let asked = 0;
  while (!done()) {
    const t = performance.now();
    // a kept-alive connection the server closed while it was busy fails at once: asked again, as a browser does
    const r = await fetch(`${s.origin}/api/summary`).catch(() => fetch(`${s.origin}/api/summary`));
    assert.equal(r.status, 200);
    await r.arrayBuffer();
    longest = Math.max(longest, performance.now() - t);
    asked++;
    await new Promise((r) => setTimeout(r, 20));
  }
  return { longest, asked };
}

type Obj = { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> } };
const objects = parseDocuments(namedPortsAtScale(), 'cluster.yaml').map((d) => d.value as Obj);

describe('serve: a live change is evaluated off the server\'s thread', () => {
  const api = new FakeApiServer();
  let threaded: Served;
  let inline: Served;
  before(async () => {
    await api.start();
    api.pageSize = 500;
    api.withoutPolicyCrds();
    const paths: Record<string, string> = { Namespace: '/api/v1/namespaces', Node: '/api/v1/nodes', Pod: PODS_PATH, NetworkPolicy: NETWORK_POLICIES_PATH };
    for (const o of objects) api.put(paths[o.kind]!, o);
    const args = ['--kubeconfig', api.kubeconfig(), '--interval', '100ms'];
    threaded = await serve(args);
    inline = await serve(args, { PODWALL_SERVE_THREADS: '0' });
  });
  after(async () => {
    await stop(threaded);
    await stop(inline);
    await api.close();
  });

  it('answers the summary while the change is evaluated, and pushes the change the server\'s own thread pushes', { timeout: 600_000 }, async () => {
    const a = changes(threaded.origin);
    const b = changes(inline.origin);
    try {
      // both have evaluated the first state (their first graphs answer) before the change
      for (const s of [threaded, inline]) assert.equal((await fetch(`${s.origin}/api/graph`)).status, 200);
      await new Promise((r) => setTimeout(r, 500));
      // web7 leaves the web pods: isolated no more, cli's clients gain every port on it but 8080 and 9090, which EKS
      // opened already (the named-port union; the specification had opened 8080 only)
      const web7 = objects.find((o) => o.kind === 'Pod' && o.metadata.name === 'web7')!;
      api.put(PODS_PATH, { ...web7, metadata: { ...web7.metadata, labels: { app: 'other' } } } as Parameters<typeof api.put>[1]);
      const [fast, slow] = await Promise.all([longestSummaryWait(threaded, () => a.got.length > 0), longestSummaryWait(inline, () => b.got.length > 0)]);
      // the server's own thread made the summary wait for the evaluation; the worker thread did not
      assert.ok(fast.longest * 3 < slow.longest, `longest wait for the summary: ${fast.longest.toFixed(0)} ms (${fast.asked} asked) with the worker, ${slow.longest.toFixed(0)} ms (${slow.asked} asked) in the server's thread`);
      const strip = (c: Record<string, unknown>): Record<string, unknown> => ({ ...c, at: undefined });
      assert.deepEqual(a.got.map(strip), b.got.map(strip));
      const change = a.got[0] as { opened: { from: string; to: string; ports: { protocol: string; from: number; to: number }[] }[]; closed: { from: string; to: string }[]; policies: unknown[] };
      const fromCli = (c: { from: string }): boolean => c.from.startsWith('cli/');
      assert.deepEqual([change.opened.filter((c) => fromCli(c) && c.to === 'srv/web7').length, change.closed.filter(fromCli).length, change.policies.length], [150, 0, 0], JSON.stringify(change.closed));
      const gained = change.opened.find((c) => c.from === 'cli/client0' && c.to === 'srv/web7')?.ports ?? [];
      const covers = (port: number): boolean => gained.some((r) => r.protocol === 'TCP' && r.from <= port && port <= r.to);
      assert.deepEqual([443, 8080, 9090].map(covers), [true, false, false], JSON.stringify(gained));
      assert.doesNotMatch(threaded.stderr(), /failed/);
    } finally {
      a.close();
      b.close();
    }
  });
});
