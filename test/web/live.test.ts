// The dashboard's live view in a real browser: `podwall serve` watches a stand-in Kubernetes API server
// on 127.0.0.1; a policy added there shows in the page's list of changes, with its time and the
// connection it closed, and the graph redraws without the closed edge. Nothing is asked of other hosts.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeApiServer, NETWORK_POLICIES_PATH } from '../fixtures/apiserver.js';
import { browserMissing, launch, open, screenDir, serve, share, type Served } from './browser.js';

declare const window: any; // eslint-disable-line @typescript-eslint/no-explicit-any

const skip = browserMissing();
if (skip) console.log(`# dashboard live test skipped: ${skip}`);

describe('the live view in a real browser (stand-in API server)', { skip: skip ?? false }, () => {
  const api = new FakeApiServer();
  const NETPOL = NETWORK_POLICIES_PATH;
  let served: Served;
  before(async () => {
    await api.start();
    api.putTwoPodApp();
    api.withoutPolicyCrds();
    served = await serve(['--kubeconfig', api.kubeconfig(), '--interval', '100ms', '--dataplane', 'kubernetes']);
  });
  after(async () => {
    await served?.stop();
    await api.close();
  });

  it('lists a policy change with its time and the connection it closed, and redraws the graph', { timeout: 300_000 }, async () => {
    const browser = await launch();
    const shots = screenDir('live');
    try {
      const { page, requests, errors } = await open(browser, served.origin);
      const edges = () => page.evaluate(() => window.podwallGraph.edges().map((e: any) => `${e.data('source')} -> ${e.data('target')}`)); // eslint-disable-line @typescript-eslint/no-explicit-any
      assert.ok((await edges()).includes('app/web -> app/api'), (await edges()).join('\n'));
      await page.waitForSelector('#live:not([hidden])');
      await page.waitForFunction(() => window.document.querySelector('#live-state').textContent === 'connected', undefined, { timeout: 60_000 });
      assert.match((await page.textContent('header'))!, /live/);
      // the header names the kubeconfig context once: as the live source, not again as the cluster
      const source = (await page.textContent('#source'))!;
      const context = /live cluster (\S+)/.exec(source)?.[1];
      assert.ok(context, source);
      assert.equal(source.split(context).length - 1, 1, source);

      api.put(NETPOL, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny-api', namespace: 'app' }, spec: { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Ingress'] } });
      // the change in the list: when, what the cluster changed, and which connection it closed
      await page.waitForSelector('#live-list > li', { timeout: 120_000 });
      const item = (await page.textContent('#live-list > li:first-child'))!;
      assert.match(item, /\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/, item);
      assert.match(item, /added NetworkPolicy app\/deny-api/, item);
      assert.match(item, /closed app\/web → app\/api/, item);
      // the graph redraws without the closed connection
      await page.waitForFunction(() => !window.podwallGraph.edges().some((e: any) => e.data('source') === 'app/web' && e.data('target') === 'app/api'), undefined, { timeout: 120_000 }); // eslint-disable-line @typescript-eslint/no-explicit-any
      await page.screenshot({ path: join(shots, 'live-change.png') });
      share(join(shots, 'live-change.png'));

      // removing the policy opens the connection again: a second entry, newest first, and the edge is back
      api.remove(NETPOL, 'app', 'deny-api');
      await page.waitForFunction(() => window.document.querySelectorAll('#live-list > li').length >= 2, undefined, { timeout: 120_000 });
      const newest = (await page.textContent('#live-list > li:first-child'))!;
      assert.match(newest, /deleted NetworkPolicy app\/deny-api/, newest);
      assert.match(newest, /opened app\/web → app\/api/, newest);
      await page.waitForFunction(() => window.podwallGraph.edges().some((e: any) => e.data('source') === 'app/web' && e.data('target') === 'app/api'), undefined, { timeout: 120_000 }); // eslint-disable-line @typescript-eslint/no-explicit-any
      // and is marked as just opened
      await page.waitForFunction(() => window.podwallGraph.edges('.opened').map((e: any) => `${e.data('source')} -> ${e.data('target')}`).includes('app/web -> app/api'), undefined, { timeout: 30_000 }); // eslint-disable-line @typescript-eslint/no-explicit-any
      // the list is in view beside the graph, not below the page's fold
      const box = await page.locator('#live').boundingBox();
      assert.ok(box && box.y + 40 < 950, `the live list starts in view (${JSON.stringify(box)})`);
      await page.screenshot({ path: join(shots, 'live-reopened.png') });
      share(join(shots, 'live-reopened.png'));

      assert.deepEqual(errors, []);
      assert.ok(requests.every((u: string) => u.startsWith(served.origin) || u.startsWith('data:')), `only local requests: ${requests.filter((u: string) => !u.startsWith(served.origin)).join(', ')}`);
    } finally {
      await browser.close();
    }
  });
});
