// The dashboard's graph in a real browser at three sizes (25, 300 and 5,000 workloads): namespace boxes
// and workloads never overlap, the same input draws the same picture twice, every edge answers a click
// (at its midpoint, or at the handle drawn where the midpoint is covered), self-loops are drawn and answer
// too, node labels are readable on the first view at 25, overlays appear, and the page asks nothing of
// any host but the server.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { boxes, browserMissing, clickEdge, clickPoints, launch, open, overlaps, screenDir, serve, share, type ClickPoint, type Served } from './browser.js';
import { boutique, platform } from './clusters.js';

declare const window: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare const document: any; // eslint-disable-line @typescript-eslint/no-explicit-any

const skip = browserMissing();
if (skip) console.log(`# dashboard layout test skipped: ${skip}`);

const SIZES = [
  { name: '25', workloads: 25, yaml: () => boutique(), proposed: () => boutique(true) },
  { name: '300', workloads: 300, yaml: () => platform(300, 9) },
  { name: '5000', workloads: 5000, yaml: () => platform(5000, 20) },
];

describe('dashboard graph at 25, 300 and 5,000 workloads', { skip: skip ?? false }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'podwall-layout-'));
  const shots = screenDir('layout');
  let browser: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  for (const size of SIZES) {
    it(`${size.name} workloads: no overlaps, the same picture twice, every edge clickable`, { timeout: 600_000 }, async () => {
      const file = join(dir, `cluster-${size.name}.yaml`);
      writeFileSync(file, size.yaml());
      const args = ['-f', file, '--dataplane', 'kubernetes', '--db', join(dir, 'none.db')];
      if (size.proposed) {
        writeFileSync(join(dir, `proposed-${size.name}.yaml`), size.proposed());
        args.push('--proposed', join(dir, `proposed-${size.name}.yaml`));
      }
      const t0 = Date.now();
      const lap = (what: string): void => console.log(`# ${size.name}: ${what} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      const served: Served = await serve(args);
      lap('served');
      try {
        const first = await open(browser, served.origin);
        lap('drawn');
        const summary = await first.page.evaluate(() => window.podwall.state.summary);
        assert.ok(Math.abs(summary.workloads - size.workloads) <= size.workloads / 100, `about ${size.workloads} workloads: ${summary.workloads}`);
        const drawn = await boxes(first.page);
        const big = drawn.filter((b) => b.kind === 'box' || b.kind === 'folded');
        const small = drawn.filter((b) => b.kind === 'workload' || b.kind === 'outside' || b.kind === 'fan');
        assert.ok(big.length > 0, 'namespace boxes drawn');
        assert.deepEqual(overlaps(big), [], 'no two namespace boxes overlap');
        assert.deepEqual(overlaps([...small, ...drawn.filter((b) => b.kind === 'folded')]), [], 'no two workloads (or folded boxes) overlap');
        // every workload sits inside its namespace's box
        const byId = new Map(drawn.map((b) => [b.id, b]));
        const groups = await first.page.evaluate(() => window.podwallGraph.nodes('[group]').map((n: any) => [n.id(), n.data('group')])); // eslint-disable-line @typescript-eslint/no-explicit-any
        for (const [id, group] of groups) {
          const c = byId.get(id)!;
          const g = byId.get(group)!;
          assert.ok(c.x1 >= g.x1 && c.x2 <= g.x2 && c.y1 >= g.y1 && c.y2 <= g.y2, `${id} inside ${group}`);
        }
        // the page says what it folded
        const note = await first.page.textContent('#graph-note');
        if (size.workloads >= 300) assert.match(note, /fold/i, 'folding is said on the page');

        // every edge answers a click at its click point (Cytoscape's own hit test, the one a click uses)
        const { misses, edges } = await clickPoints(first.page);
        lap('hit-tested');
        assert.ok(edges.length > 0);
        assert.deepEqual(misses, [], `every edge answers at its midpoint or handle (${edges.length} edges)`);
        const handles = edges.filter((e) => e.handle).length;
        console.log(`# ${size.name}: ${edges.length} edges, ${edges.length - handles} answer at their midpoint, ${handles} at a handle, ${edges.filter((e) => e.loop).length} loops, ${edges.filter((e) => e.fan).length} fans`);
        // self-loops: a workload or folded namespace whose pods may talk among themselves
        const loops = edges.filter((e) => e.loop);
        assert.ok(loops.length > 0, 'self-loops are drawn');
        assert.ok(loops.every((e) => e.source === e.target));
        if (size.workloads >= 300) assert.ok(edges.some((e) => e.fan), 'fans bundle the edges of the hubs');
        // node labels readable on the first view where the graph allows it (25 workloads)
        const font = await first.page.evaluate(() => window.podwallGraph.zoom() * parseFloat(window.podwallGraph.nodes('[kind = "workload"], [kind = "folded"]').first().style('font-size')));
        console.log(`# ${size.name}: node labels drawn at ${font.toFixed(1)} px`);
        if (size.workloads <= 25) assert.ok(font >= 10, `labels at ${font} px on the first view`);
        await first.page.screenshot({ path: join(shots, `graph-${size.name}.png`) });
        share(join(shots, `graph-${size.name}.png`));

        // real mouse clicks on a sample: plain edges at their midpoints, edges with handles, loops and fans
        const onScreen = edges.filter((e) => e.visible);
        const plain = onScreen.filter((e) => e.kind === 'allowed' && !e.fan && !e.loop && !e.handle && !e.source.startsWith('ns:') && !e.target.startsWith('ns:'));
        const pool = plain.length ? plain : onScreen.filter((e) => !e.fan && !e.loop && !e.handle);
        const sample = (list: ClickPoint[], n: number): ClickPoint[] => (list.length <= n ? list : Array.from({ length: n }, (_, i) => list[Math.floor((i * (list.length - 1)) / (n - 1))]!));
        const name = (id: string): string => id.replace(/^ns:/, '');
        for (const e of sample(pool, 3)) assert.equal(await clickEdge(first.page, e), `${name(e.source)} → ${name(e.target)}`, `clicked ${e.id}`);
        for (const e of sample(onScreen.filter((x) => x.handle && !x.fan && !x.loop), 3)) assert.equal(await clickEdge(first.page, e), `${name(e.source)} → ${name(e.target)}`, `clicked the handle of ${e.id}`);
        const loop = onScreen.find((e) => e.loop);
        assert.ok(loop, 'a loop in view');
        assert.equal(await clickEdge(first.page, loop), `${name(loop.source)} → ${name(loop.target)}`);
        assert.match((await first.page.textContent('#explain'))!, loop.source.startsWith('ns:') ? /may talk among themselves/ : /./);
        await first.page.screenshot({ path: join(shots, `graph-${size.name}-loop.png`) });
        share(join(shots, `graph-${size.name}-loop.png`));
        const fan = onScreen.find((e) => e.fan);
        if (fan) {
          assert.match(await clickEdge(first.page, fan), /\d+ (destinations|sources)/);
          const listed = await first.page.locator('#explain ul.fan li').count();
          assert.ok(listed >= 10, `the fan lists its connections (${listed})`);
          // a listed connection opens as its own edge would
          await first.page.locator('#explain ul.fan a').first().click();
          await first.page.waitForFunction(() => !document.querySelector('#explain ul.fan'));
        }
        lap('clicked');
        await first.page.screenshot({ path: join(shots, `graph-${size.name}-explained.png`) });
        share(join(shots, `graph-${size.name}-explained.png`));

        if (size.proposed) {
          // the diff overlay: added and removed connections on the graph, each with both explanations
          await first.page.check('#o-diff');
          await first.page.waitForFunction(() => window.podwallGraph.edges('[kind = "added"]').length > 0);
          const kinds = await first.page.evaluate(() => window.podwallGraph.edges('[kind = "added"], [kind = "removed"]').map((e: any) => `${e.data('kind')} ${e.data('source')} -> ${e.data('target')}`)); // eslint-disable-line @typescript-eslint/no-explicit-any
          assert.ok(kinds.includes('added boutique/checkoutservice -> boutique/adservice'), kinds.join('\n'));
          assert.ok(kinds.some((k: string) => k.startsWith('removed boutique/paymentservice -> ')), kinds.join('\n'));
          let diffMid = await clickPoints(first.page);
          assert.deepEqual(diffMid.misses, [], 'diff edges are clickable too');
          // the first view may be larger than the page: bring the added edge into view, as a user would drag it
          const addedId = diffMid.edges.find((e) => e.kind === 'added')!.id;
          await first.page.evaluate((id: string) => window.podwallGraph.center(window.podwallGraph.$id(id)), addedId);
          diffMid = await clickPoints(first.page);
          const added = diffMid.edges.find((e) => e.id === addedId)!;
          assert.ok(added.visible);
          await first.page.mouse.click(added.x, added.y);
          await first.page.waitForSelector('#explain .before-after');
          assert.match(await first.page.textContent('#explain'), /Now[\s\S]*With the proposal/);
          await first.page.screenshot({ path: join(shots, `graph-${size.name}-diff.png`) });
          share(join(shots, `graph-${size.name}-diff.png`));
        }
        assert.deepEqual(first.errors, []);
        assert.ok(first.requests.every((u) => u.startsWith(served.origin) || u.startsWith('data:')), `only local requests: ${first.requests.filter((u) => !u.startsWith(served.origin)).join(', ')}`);
        if (!size.proposed) assert.ok(!first.requests.some((u) => u.includes('/api/diff')), 'no diff request without --proposed');
        await first.page.close();

        // a second load draws every box at the same place
        lap('first page done');
        const second = await open(browser, served.origin);
        lap('drawn again');
        assert.deepEqual(round(await boxes(second.page)), round(drawn), 'the same input renders the same positions');
        await second.page.close();
      } finally {
        await served.stop();
      }
    });
  }
});

const round = (list: { id: string; x1: number; y1: number; x2: number; y2: number }[]): string[] =>
  list.map((b) => `${b.id} ${b.x1.toFixed(1)} ${b.y1.toFixed(1)} ${b.x2.toFixed(1)} ${b.y2.toFixed(1)}`).sort();
