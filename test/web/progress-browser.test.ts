// A slow view in a real browser: on the benchmark's typical cluster (2,500 pods in 100 namespaces, generated as
// bench/ does), the EKS data plane's folded graph takes seconds (about 5 on a quiet machine, 15 under load); the
// page shows, while it waits, what the server is computing with its figures ("… 27 of 103 namespaces", a bar),
// then the graph, and the progress box goes away. The other tabs answer meanwhile. A namespace chosen and then
// another before its graph came is given up, and the second is computed at once.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { browserMissing, launch, screenDir, share } from './browser.js';
import { killAll, serve, stop, type Served } from './serve-process.js';
import { slowCluster } from './slow-cluster.js';

declare const window: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare const document: any; // eslint-disable-line @typescript-eslint/no-explicit-any

const skip = browserMissing();
if (skip) console.log(`# dashboard progress test skipped: ${skip}`);


describe('a slow view in a real browser', { skip: skip ?? false }, () => {
  let served: Served | undefined;
  const file = slowCluster();
  after(async () => {
    await stop(served);
    killAll();
  });

  it('shows what it computes, with figures and a bar, then the graph', { timeout: 300_000 }, async () => {
    // the browser first: the worker computes the first graph as soon as the server listens, and the page must ask
    // for it while it does
    const browser = await launch();
    const shots = process.env.PODWALL_PROGRESS_SHOTS ?? screenDir('progress');
    mkdirSync(shots, { recursive: true });
    try {
      const page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
      const errors: string[] = [];
      page.on('pageerror', (e: Error) => errors.push(e.message));
      // EKS is the default data plane: the folded graph is the EKS walk (eks-groups.ts)
      served = await serve(['-f', file]);
      await page.goto(`${served.origin}/`);
      // the page asks for the graph while the worker still computes it: after a second it says how far it is (read
      // at once, text and bar, as the page shows them together)
      const shown = await page.waitForFunction(
        () => {
          const box = document.querySelector('#graph-progress');
          const p = box?.querySelector('progress[max]');
          return !box.hidden && p ? { text: box.textContent, value: Number(p.value), max: Number(p.max) } : false;
        },
        undefined,
        { timeout: 120_000, polling: 100 },
      );
      const { text, value, max } = await shown.jsonValue();
      assert.match(text, /Computing the graph of every namespace/, text);
      assert.match(text, /(Building the EKS agent's maps of every pod|Deciding the EKS answer between groups): ([\d,]+) of ([\d,]+) (pods|namespaces)/, text);
      // which phase of how many: the bar starts again from nothing at each
      assert.match(text, /(pods|namespaces and peers outside) \(step [13] of 3\)/, text);
      const [, done, total] = /: ([\d,]+) of ([\d,]+)/.exec(text)!.map((x) => x.replace(/,/g, ''));
      assert.equal(max, Number(total), text);
      assert.equal(value, Number(done), text);
      assert.ok(max === 2500 || max >= 100, `the total is the pods (2,500) or the namespaces and peers outside (100 and more): ${max}`);
      await page.screenshot({ path: join(shots, 'progress.png') });
      share(join(shots, 'progress.png'));
      // the page stays usable: another tab answers while the graph is computed
      await page.click('nav button[data-view="audit"]');
      await page.waitForSelector('#kpis .tile', { timeout: 60_000 });
      await page.click('nav button[data-view="graph"]');
      // then the answer, and the box is gone
      await page.waitForSelector('body[data-graph-ready="true"]', { timeout: 240_000 });
      assert.equal(await page.isHidden('#graph-progress'), true);
      const nodes = await page.evaluate(() => window.podwallGraph.nodes('[kind = "folded"]').length);
      assert.ok(nodes >= 64, `${nodes} folded namespaces drawn`);

      // a namespace chosen, then another before its graph came: the first is given up (the page aborts it, the
      // server stops it), so the second is computed at once rather than after it, and drawn
      const asked: string[] = [];
      page.on('request', (r: any) => asked.push(r.url())); // eslint-disable-line @typescript-eslint/no-explicit-any
      await page.selectOption('#f-namespace', 'ns1');
      // a fifth of a second: asked, and far from answered (a namespace's EKS view takes seconds here)
      await page.waitForTimeout(200);
      assert.ok(asked.some((u) => u.endsWith('/api/graph?namespace=ns1')), asked.join('\n'));
      await page.selectOption('#f-namespace', 'ns2');
      // given up, not finished: nothing of it was kept (an answer finished for nobody would say answered)
      let first: { state?: string } = {};
      for (const end = Date.now() + 60_000; Date.now() < end && first.state !== 'idle' && first.state !== 'answered'; await page.waitForTimeout(100)) {
        first = await page.evaluate(() => fetch('/api/progress?of=' + encodeURIComponent('/api/graph?namespace=ns1')).then((r: any) => r.json())); // eslint-disable-line @typescript-eslint/no-explicit-any
      }
      assert.equal(first.state, 'idle', JSON.stringify(first));
      await page.waitForFunction(() => window.podwallGraph.nodes().some((n: any) => n.id().startsWith('ns2/')), undefined, { timeout: 240_000 }); // eslint-disable-line @typescript-eslint/no-explicit-any
      assert.equal(await page.isHidden('#graph-progress'), true);
      assert.equal(await page.evaluate(() => window.podwallGraph.nodes().some((n: any) => n.id().startsWith('ns1/'))), false); // eslint-disable-line @typescript-eslint/no-explicit-any

      // what is denied for one of ns2's workloads, in the pane: once its progress shows, "Asking…" no longer shows
      // above it (a quiet machine may answer before the progress shows; then there is nothing to see)
      await page.evaluate(() => window.podwallGraph.nodes('[kind = "workload"]').filter((n: any) => n.id().startsWith('ns2/')).first().emit('tap')); // eslint-disable-line @typescript-eslint/no-explicit-any
      await page.click('#show-denied');
      const pane = await page.waitForFunction(
        () => {
          const box = document.querySelector('#denied-list .progress');
          const asking = [...document.querySelectorAll('#denied-list p')].find((p: any) => p.textContent === 'Asking…'); // eslint-disable-line @typescript-eslint/no-explicit-any
          if (box && !box.hidden) return { box: box.textContent, asking: Boolean(asking && asking.offsetParent !== null) };
          return window.podwallGraph.edges('[kind = "denied"]').length > 0 ? { box: null, asking: false } : false;
        },
        undefined,
        { timeout: 240_000, polling: 50 },
      );
      const seen = await pane.jsonValue();
      console.log(`# the denied view's progress: ${JSON.stringify(seen)}`);
      if (seen.box) {
        assert.match(seen.box, /Computing what is denied for ns2\//, seen.box);
        assert.equal(seen.asking, false, 'Asking… is hidden once the progress shows');
      }
      await page.waitForFunction(() => window.podwallGraph.edges('[kind = "denied"]').length > 0, undefined, { timeout: 240_000 });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
});
