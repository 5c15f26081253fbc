// The dashboard's graph in a real browser at three sizes (25, 300 and 5,000 workloads): namespace boxes
// and workloads never overlap, the same input draws the same picture twice, every edge answers a click
// at its midpoint, overlays appear, and the page asks nothing of any host but the server.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { boxes, browserMissing, launch, midpoints, open, overlaps, screenDir, serve, share, type Served } from './browser.js';
import { boutique, platform } from './clusters.js';

declare const window: any; // eslint-disable-line @typescript-eslint/no-explicit-any

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
    it(`${size.name} workloads: no overlaps, the same picture twice, every edge clickable at its midpoint`, { timeout: 600_000 }, async () => {
      const file = join(dir, `cluster-${size.name}.yaml`);
      writeFileSync(file, size.yaml());
      const args = ['-f', file, '--dataplane', 'kubernetes', '--db', join(dir, 'none.db')];
      if (size.proposed) {
        writeFileSync(join(dir, `proposed-${size.name}.yaml`), size.proposed());
        args.push('--proposed', join(dir, `proposed-${size.name}.yaml`));
      }
      const served: Served = await serve(args);
      try {
        const first = await open(browser, served.origin);
        const summary = await first.page.evaluate(() => window.podwall.state.summary);
        assert.ok(Math.abs(summary.workloads - size.workloads) <= size.workloads / 100, `about ${size.workloads} workloads: ${summary.workloads}`);
        const drawn = await boxes(first.page);
        const big = drawn.filter((b) => b.kind === 'box' || b.kind === 'folded');
        const small = drawn.filter((b) => b.kind === 'workload' || b.kind === 'outside');
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

        const { misses, unclear, edges } = await midpoints(first.page);
        assert.ok(edges.length > 0);
        if (size.workloads < 5000) assert.deepEqual(misses, [], `every edge answers at its midpoint (${edges.length} edges)`);
        else {
          // every namespace one box, packed in rows, with hubs (DNS, monitoring) reaching all of them: some
          // edges find no bend whose midpoint misses every box; the page knows which (data.clear), every
          // other edge must answer, and they must be the great majority
          const known = new Set(unclear);
          assert.deepEqual(misses.filter((m) => !known.has(m.split(' ')[0]!)), [], 'every edge the page calls clear answers at its midpoint');
          console.log(`# ${size.name}: ${edges.length - unclear.length} of ${edges.length} edges clickable at their midpoint`);
          assert.ok(unclear.length <= edges.length / 4, `${unclear.length} of ${edges.length} edges without a clear midpoint`);
        }
        await first.page.screenshot({ path: join(shots, `graph-${size.name}.png`) });
        share(join(shots, `graph-${size.name}.png`));

        // a real mouse click at the rendered midpoint of a few edges opens that edge
        const clear = edges.filter((e) => !unclear.includes(e.id));
        const clickable = clear.filter((e) => e.kind === 'allowed' && !e.source.startsWith('ns:') && !e.target.startsWith('ns:'));
        const pool = clickable.length ? clickable : clear;
        const picks = [pool[0]!, pool[Math.floor(pool.length / 2)]!, pool[pool.length - 1]!];
        for (const e of picks) {
          await first.page.mouse.click(e.x, e.y);
          await first.page.waitForFunction((id: string) => window.podwallGraph.$id(id).hasClass('picked'), e.id);
          const title = await first.page.textContent('#explain h2');
          assert.equal(title, `${e.source.replace(/^ns:/, '')} → ${e.target.replace(/^ns:/, '')}`, `clicked ${e.id}`);
        }
        await first.page.screenshot({ path: join(shots, `graph-${size.name}-explained.png`) });
        share(join(shots, `graph-${size.name}-explained.png`));

        if (size.proposed) {
          // the diff overlay: added and removed connections on the graph, each with both explanations
          await first.page.check('#o-diff');
          await first.page.waitForFunction(() => window.podwallGraph.edges('[kind = "added"]').length > 0);
          const kinds = await first.page.evaluate(() => window.podwallGraph.edges('[kind = "added"], [kind = "removed"]').map((e: any) => `${e.data('kind')} ${e.data('source')} -> ${e.data('target')}`)); // eslint-disable-line @typescript-eslint/no-explicit-any
          assert.ok(kinds.includes('added boutique/checkoutservice -> boutique/adservice'), kinds.join('\n'));
          assert.ok(kinds.some((k: string) => k.startsWith('removed boutique/paymentservice -> ')), kinds.join('\n'));
          const diffMid = await midpoints(first.page);
          assert.deepEqual(diffMid.misses, [], 'diff edges are clickable at their midpoints too');
          const added = diffMid.edges.find((e) => e.kind === 'added')!;
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
        const second = await open(browser, served.origin);
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
