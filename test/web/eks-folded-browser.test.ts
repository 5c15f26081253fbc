// The folded graph under eks in a real browser: a cluster above 300 workloads starts folded into namespaces, the
// edges where EKS and the specification disagree carry the diamond, the note says the view is EKS's, and a click
// on such an edge says on which ports the other data plane answers otherwise and why.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { browserMissing, launch, open, screenDir, serve, share, type Served } from './browser.js';
import { namedPortsAtScale } from './eks-folded-cluster.js';

declare const window: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare const document: any; // eslint-disable-line @typescript-eslint/no-explicit-any

const skip = browserMissing();
if (skip) console.log(`# dashboard EKS folded test skipped: ${skip}`);

/** Picks (clicks) the marked edge from cli to srv and waits for its explanation, which explains the mark. */
async function pickCliToSrv(page: any): Promise<void> { // eslint-disable-line @typescript-eslint/no-explicit-any
  await page.evaluate(() => {
    const e = window.podwallGraph.edges('[?eks]').filter((x: any) => /cli/.test(x.data('source')) && /srv/.test(x.data('target')))[0]; // eslint-disable-line @typescript-eslint/no-explicit-any
    e.emit('tap');
  });
  await page.waitForSelector('#explain .eks-mark', { timeout: 60_000 });
}

describe('the folded graph under eks in a real browser', { skip: skip ?? false }, () => {
  let served: Served;
  before(async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'podwall-eks-folded-')), 'cluster.yaml');
    writeFileSync(file, namedPortsAtScale());
    served = await serve(['-f', file]);
  });
  after(async () => {
    await served?.stop();
  });

  it('marks the folded edges where EKS differs, says so, and explains the mark on a click', { timeout: 300_000 }, async () => {
    const browser = await launch();
    const shots = process.env.PODWALL_EKS_SHOTS ?? screenDir('eks-folded');
    try {
      const { page, errors } = await open(browser, served.origin);
      const marked = (): Promise<string[]> => page.evaluate(() => window.podwallGraph.edges('[?eks]').map((e: any) => `${e.data('source')} -> ${e.data('target')}`)); // eslint-disable-line @typescript-eslint/no-explicit-any
      const ends = await marked();
      assert.ok(ends.some((e) => /cli.* -> .*srv/.test(e)), ends.join('\n'));
      assert.ok(ends.some((e) => /cli.* -> .*db/.test(e)), ends.join('\n'));
      const note = (await page.textContent('#graph-note'))!;
      assert.match(note, /folded namespaces show the EKS data plane/i);
      assert.doesNotMatch(note, /specification's answers/);
      await page.screenshot({ path: join(shots, 'eks-folded.png') });
      share(join(shots, 'eks-folded.png'));
      // the mark explained: the edge from cli to srv
      await pickCliToSrv(page);
      // its label, shown once picked, lies between the two boxes, none drawn over it (the layers leave it room)
      const covered = await page.evaluate(() => {
        const e = window.podwallGraph.edges('.picked')[0];
        const l = e.boundingBox({ includeNodes: false, includeEdges: false, includeLabels: true, includeSourceLabels: false, includeTargetLabels: false });
        const hit = (b: any): boolean => l.x1 < b.x2 && b.x1 < l.x2 && l.y1 < b.y2 && b.y1 < l.y2; // eslint-disable-line @typescript-eslint/no-explicit-any
        return { label: e.data('label'), w: l.w, under: window.podwallGraph.nodes('[kind = "folded"], [kind = "outside"]').filter((n: any) => hit(n.boundingBox({ includeLabels: false }))).map((n: any) => n.id()) }; // eslint-disable-line @typescript-eslint/no-explicit-any
      });
      assert.equal(covered.label, '8080/TCP, 9090/TCP');
      assert.ok(covered.w > 0, 'the label is drawn');
      assert.deepEqual(covered.under, [], `the label of cli -> srv lies under ${covered.under.join(', ')}`);
      const text = (await page.textContent('#explain'))!;
      assert.match(text, /On 8080\/TCP, 9090\/TCP the other data plane answers partial \(ingress-named-port-union\)/s, text);
      await page.screenshot({ path: join(shots, 'eks-folded-mark.png') });
      share(join(shots, 'eks-folded-mark.png'));
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });

  it('keeps the mark of a picked edge in sight: no label is drawn over a diamond, and the label carries the mark', { timeout: 300_000 }, async () => {
    const browser = await launch();
    const shots = process.env.PODWALL_EKS_SHOTS ?? screenDir('eks-mark-label');
    try {
      const { page, errors } = await open(browser, served.origin);
      await pickCliToSrv(page);
      // Cytoscape's geometry: the label's box, and the box of the diamond it draws at the edge's middle (none when
      // the edge does not draw it); the rendered label in page pixels, for the look below
      const seen = await page.evaluate(() => {
        const e = window.podwallGraph.edges('.picked')[0];
        const only = { includeNodes: false, includeEdges: false, includeLabels: true, includeSourceLabels: false, includeTargetLabels: false };
        const l = e.boundingBox(only);
        const shape = e.pstyle('mid-target-arrow-shape').value;
        const mark = shape === 'none' ? null : e._private.arrowBounds['mid-target'];
        const c = document.querySelector('#graph');
        const cb = c.getBoundingClientRect();
        const r = e.renderedBoundingBox(only);
        return { text: e.pstyle('label').strValue, shape, label: { x1: l.x1, y1: l.y1, x2: l.x2, y2: l.y2 }, mark: mark && { x1: mark.x1, y1: mark.y1, x2: mark.x2, y2: mark.y2 }, page: { x: cb.left + c.clientLeft + r.x1, y: cb.top + c.clientTop + r.y1, width: r.w, height: r.h } };
      });
      const under = (m: { x1: number; y1: number; x2: number; y2: number }, l: typeof m): boolean => m.x1 < l.x2 && l.x1 < m.x2 && m.y1 < l.y2 && l.y1 < m.y2;
      assert.ok(!seen.mark || !under(seen.mark, seen.label), `the diamond (${JSON.stringify(seen.mark)}) lies under the label ${JSON.stringify(seen.label)}`);
      assert.match(seen.text, /^◆ 8080\/TCP, 9090\/TCP$/, 'the label carries the mark');
      // and a reader sees it: pixels of the mark's colour inside the label as the page shows it
      const clip = { x: Math.floor(seen.page.x), y: Math.floor(seen.page.y), width: Math.ceil(seen.page.width), height: Math.ceil(seen.page.height) };
      const png: Buffer = await page.screenshot({ clip });
      const marked = await page.evaluate(async (b64: string) => {
        const img = new window.Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const canvas = document.createElement('canvas');
        canvas.width = img.width;
        canvas.height = img.height;
        const ctx = canvas.getContext('2d');
        ctx.drawImage(img, 0, 0);
        const px = ctx.getImageData(0, 0, img.width, img.height).data;
        let n = 0;
        // the mark's orange (#d9480f), give or take the text's anti-aliasing
        for (let i = 0; i < px.length; i += 4) if (px[i] > 170 && px[i + 1] < 130 && px[i + 2] < 90 && px[i] - px[i + 1] > 90) n++;
        return n;
      }, png.toString('base64'));
      await page.screenshot({ path: join(shots, 'eks-mark-label.png'), clip: { x: clip.x - 80, y: clip.y - 60, width: clip.width + 160, height: clip.height + 120 } });
      share(join(shots, 'eks-mark-label.png'));
      assert.ok(marked >= 4, `only ${marked} pixels of the mark's colour inside the picked edge's label`);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
});
