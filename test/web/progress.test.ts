// The progress of the heavy views over HTTP, through `podwall serve` as the page uses it (progress.ts): on the
// benchmark's typical cluster under the EKS data plane (a namespace's view takes seconds), a question being
// computed says its phase and figures, one asked behind it says which question it waits for, a question whose
// asker went away is given up (the next one starts at once, and nothing of it is kept), and asked again it is
// answered whole. Bad questions of the progress itself get a 400.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { killAll, serve, stop, type Served } from './serve-process.js';
import { slowCluster } from './slow-cluster.js';

interface State {
  state: string;
  question: string;
  seconds?: number;
  progress?: { phase: string; done: number; total: number; unit: string; step?: number; steps?: number };
  behind?: { question: string; progress?: { done: number; total: number } }[];
}

describe('the progress of heavy views over HTTP', () => {
  let served: Served | undefined;
  before(async () => {
    served = await serve(['-f', slowCluster()]);
  });
  after(async () => {
    await stop(served);
    killAll();
  });

  const progress = async (question: string): Promise<State> => {
    const r = await fetch(`${served!.origin}/api/progress?of=${encodeURIComponent(question)}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    return (await r.json()) as State;
  };
  /** Polls until `ok` holds for the question's state (or the time is up), and returns that state. */
  const until = async (question: string, ok: (s: State) => boolean, what: string, ms = 120_000): Promise<State> => {
    const end = Date.now() + ms;
    let last: State | undefined;
    while (Date.now() < end) {
      last = await progress(question);
      if (ok(last)) return last;
      await new Promise((r) => setTimeout(r, 40));
    }
    assert.fail(`${what}: still ${JSON.stringify(last)}`);
  };

  it('says what is computed and how far, what waits behind it, and gives up a question nobody waits for', { timeout: 300_000 }, async () => {
    const origin = served!.origin;
    // the first graph, which the worker computes as it loads: after it, the worker is free
    const first = await fetch(`${origin}/api/graph`);
    assert.equal(first.status, 200);
    // a question with no parameters is named as a reader writes it, with or without the '?'
    assert.deepEqual(await progress('/api/graph'), { state: 'answered', question: '/api/graph' });
    assert.deepEqual(await progress('/api/graph?'), { state: 'answered', question: '/api/graph' });

    const a = '/api/graph?namespace=ns1';
    const b = '/api/graph?namespace=ns2';
    const giveUp = new AbortController();
    const askedA = fetch(origin + a, { signal: giveUp.signal }).catch((e: Error) => e);
    const computing = await until(a, (s) => s.state === 'computing' && s.progress?.unit === 'workloads, namespaces and peers outside' && s.progress.done < s.progress.total / 2, 'ns1 computing, early');
    assert.equal(computing.question, '/api/graph?namespace=ns1');
    assert.match(computing.progress!.phase, /Deciding the EKS answer between groups/);
    // the last of three phases: a bar that starts again from nothing is the next phase, and says so
    assert.deepEqual([computing.progress!.step, computing.progress!.steps], [3, 3]);
    assert.ok(computing.progress!.total > 100, JSON.stringify(computing)); // ns1's workloads and every other namespace
    // the same question spelt otherwise is the same question
    assert.equal((await progress('/api/graph?namespace=ns1&')).state, 'computing');

    const askedB = fetch(origin + b);
    const waiting = await until(b, (s) => s.state === 'waiting', 'ns2 waiting');
    assert.equal(waiting.behind?.[0]?.question, '/api/graph?namespace=ns1', JSON.stringify(waiting));
    assert.ok(waiting.behind?.[0]?.progress, 'what it waits behind comes with its figures');

    // the page asks something else: ns1 is given up in the worker, at its next report, and ns2 starts
    giveUp.abort();
    assert.ok((await askedA) instanceof Error);
    await until(b, (s) => s.state === 'computing' || s.state === 'answered', 'ns2 started once ns1 was given up', 60_000);
    // given up, not finished: nothing of it was kept (a finished answer nobody read would say answered)
    const gone = await progress(a);
    assert.equal(gone.state, 'idle', JSON.stringify(gone));
    const rb = await askedB;
    assert.equal(rb.status, 200);
    assert.ok(((await rb.json()) as { nodes: unknown[] }).nodes.length > 0);

    // asked again, it is answered whole: the question stopped half-way left nothing broken
    const again = await fetch(origin + a);
    assert.equal(again.status, 200);
    const graph = (await again.json()) as { nodes: { id: string }[] };
    assert.ok(graph.nodes.some((n) => n.id.startsWith('ns1/')), 'ns1 workloads drawn');
    assert.equal((await progress(a)).state, 'answered');
    assert.doesNotMatch(served!.stderr(), /failed/);
  });

  it('answers bad questions of its own with a 400, and light or unknown ones as idle', async () => {
    const origin = served!.origin;
    for (const q of ['', '?of=', '?of=graph', '?of=http%3A%2F%2Fexample.com%2Fapi%2Fgraph']) {
      const r = await fetch(`${origin}/api/progress${q}`);
      assert.equal(r.status, 400, q);
      assert.match(((await r.json()) as { error: string }).error, /of=QUESTION/);
    }
    assert.equal((await progress('/api/summary')).state, 'idle');
    assert.equal((await progress('/api/denied?workload=ns9/app0')).state, 'idle');
  });
});
