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

const skip = browserMissing();
if (skip) console.log(`# dashboard EKS folded test skipped: ${skip}`);

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
      await page.evaluate(() => {
        const e = window.podwallGraph.edges('[?eks]').filter((x: any) => /cli/.test(x.data('source')) && /srv/.test(x.data('target')))[0]; // eslint-disable-line @typescript-eslint/no-explicit-any
        e.emit('tap');
      });
      await page.waitForSelector('#explain .eks-mark', { timeout: 60_000 });
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
});
