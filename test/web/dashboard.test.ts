// The dashboard in a real browser: Debian's Chromium driven by playwright-core, against `podwall serve`.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { podwall } from '../helpers.js';
import { browserMissing, clickPoints, killAll, launch, open, screenDir, serve, share, type Served } from './browser.js';

// page.evaluate bodies run in the browser; this project compiles without the DOM library
declare const window: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare const document: any; // eslint-disable-line @typescript-eslint/no-explicit-any

const skip = browserMissing();
if (skip) console.log(`# dashboard browser test skipped: ${skip}`);

describe('podwall serve in a real browser', { skip: skip ?? false }, () => {
  let server: Served | undefined;
  let origin = '';
  const dir = mkdtempSync(join(tmpdir(), 'podwall-serve-'));
  const db = join(dir, 'history.db');

  before(async () => {
    // history for the charts: two audit runs and a flow summary
    podwall(['audit', '-f', 'test/fixtures/audit/cluster.yaml', '--record', '--db', db]);
    podwall(['audit', '-f', 'examples/shop', '--record', '--db', db]);
    podwall(['flows', 'summary', 'test/fixtures/flows/logs', '--snapshot', 'test/fixtures/flows/before.yaml', '--snapshot', 'test/fixtures/flows/cluster.yaml@2026-11-20T00:00:00Z', '--record', '--db', db]);
    const proposed = join(dir, 'proposed.yaml');
    writeFileSync(proposed, 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny, namespace: shop}\nspec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n');
    server = await serve(['-f', 'examples/shop', '--db', db, '--proposed', proposed]);
    origin = server.origin;
  });

  after(async () => {
    await server?.stop();
    killAll(); // a server a failed test left behind
  });

  it('answers bad requests with clear 4xx errors and keeps serving', async () => {
    const get = async (path: string, method = 'GET'): Promise<[number, { error?: string }]> => {
      const r = await fetch(`${origin}${path}`, { method });
      return [r.status, (await r.json()) as { error?: string }];
    };
    assert.deepEqual(await get('/api/explain?from=shop/storefront&to=shop/api&port=http'), [400, { error: 'port must be a number 1-65535' }]);
    assert.equal((await get('/api/explain?from=shop/nope&to=shop/api&port=80'))[0], 404);
    assert.equal((await get('/api/graph?protocol=ICMP'))[0], 400);
    assert.equal((await get('/api/nothing'))[0], 404);
    assert.equal((await get('/api/graph', 'POST'))[0], 405);
    assert.equal((await get('/%2e%2e/%2e%2e/etc/passwd'))[0], 404);
    assert.equal((await get('/api/summary'))[0], 200);
  });

  it('shows the graph, explains a clicked edge, lists what is denied, folds, and shows audit, flows and diff', async () => {
    const browser = await launch();
    const shots = screenDir('shop');
    try {
      const { page, requests, errors } = await open(browser, origin);
      // the header names the served files once, not once as the cluster and again as the source
      const header = (await page.textContent('#source'))!;
      assert.equal(header.split('examples/shop').length - 1, 1, header);
      const edges = await page.evaluate(() => window.podwallGraph.edges().map((e: any) => `${e.data('source')} -> ${e.data('target')} ${e.data('label')}`));
      assert.ok(edges.includes('shop/storefront -> shop/api 9000/TCP'), edges.join('\n'));
      assert.ok(edges.includes('shop/api -> shop/db 5432/TCP'));
      assert.ok(!edges.some((e: string) => e.startsWith('shop/storefront -> shop/db')), 'a denied connection is no edge');
      // peers outside the cluster are nodes of their own group
      assert.ok(edges.includes('shop/api -> *.stripe.com 443/TCP'), edges.join('\n'));
      assert.equal(await page.evaluate(() => window.podwallGraph.$id('*.stripe.com').data('group')), 'ns:(outside)');
      // an allowed edge is never drawn red, selected or not
      const colours = await page.evaluate(() => window.podwallGraph.edges('[kind = "allowed"]').map((e: any) => e.style('line-color')));
      assert.ok(colours.every((c: string) => !/rgb\(19[0-9], 4[0-9], 4[0-9]\)|rgb\(197, 48, 48\)/.test(c)), colours.join(' '));

      // a real mouse click at the edge's rendered midpoint explains that edge
      const { edges: mids, misses } = await clickPoints(page);
      assert.deepEqual(misses, []);
      const edge = mids.find((e) => e.source === 'shop/storefront' && e.target === 'shop/api')!;
      await page.mouse.click(edge.x, edge.y);
      await page.waitForSelector('#explain-body pre');
      const text = await page.textContent('#explain-body');
      assert.match(text!, /ALLOWED on 9000\/TCP/);
      assert.match(text!, /allowed by NetworkPolicy shop\/storefront-to-api ingress rule 0/);
      assert.notEqual(await page.evaluate((id: string) => window.podwallGraph.$id(id).style('line-color'), edge.id), 'rgb(197, 48, 48)', 'a selected allowed edge is not red');
      await page.screenshot({ path: join(shots, 'shop-explain.png') });
      share(join(shots, 'shop-explain.png'));

      // a workload: what it reaches, then on demand what is denied, with the reason
      const node = await page.evaluate(() => {
        const c = document.querySelector('#graph');
        const b = c.getBoundingClientRect();
        const p = window.podwallGraph.$id('shop/storefront').renderedPosition();
        return { x: b.left + c.clientLeft + p.x, y: b.top + c.clientTop + p.y };
      });
      await page.mouse.click(node.x, node.y);
      const highlighted = await page.evaluate(() => window.podwallGraph.edges('.out').map((e: any) => e.data('target')));
      assert.deepEqual(highlighted.sort(), ['kube-system/coredns', 'shop/api']);
      await page.click('#show-denied');
      await page.waitForFunction(() => window.podwallGraph.edges('[kind = "denied"]').length > 0);
      const denied = await page.evaluate(() => window.podwallGraph.edges('[kind = "denied"]').map((e: any) => `${e.data('source')} -> ${e.data('target')}`));
      assert.ok(denied.includes('shop/storefront -> shop/db'), denied.join('\n'));
      assert.match((await page.textContent('#explain'))!, /shop\/storefront → shop\/db/);
      assert.deepEqual((await clickPoints(page)).misses, [], 'denied edges are clickable too (midpoint or handle)');
      await page.screenshot({ path: join(shots, 'shop-denied.png') });
      share(join(shots, 'shop-denied.png'));

      // fold every namespace: workloads fold into their boxes, edges merge
      await page.click('#collapse-all');
      await page.waitForFunction(() => window.podwallGraph.nodes('[kind = "folded"]').length === 3);
      const folded = await page.evaluate(() => window.podwallGraph.nodes('[kind = "folded"]').map((n: any) => n.id()));
      assert.deepEqual(folded.sort(), ['ns:kube-system', 'ns:monitoring', 'ns:shop']);

      await page.click('nav button[data-view="audit"]');
      await page.waitForSelector('#findings details.group');
      assert.match((await page.textContent('#kpis'))!, /Namespaces with default-deny ingress/);
      // the incident figures (issue 15) as the API gives them for this cluster
      const incidents = ((await (await fetch(`${origin}/api/summary`)).json()) as { incidents: { count: number; open: number } | null }).incidents;
      const tile = (await page.locator('#kpis .tile', { hasText: 'Policy-caused incidents' }).textContent())!;
      assert.ok(tile.includes(incidents ? `${incidents.count} (${incidents.open} open)` : 'n/a'), tile);
      const findings = (await page.textContent('#findings'))!;
      assert.match(findings, /examples\/shop\/[a-z]+\.yaml:\d+/, 'findings say file:line');
      assert.match(findings, /Remedy:/);
      assert.ok((await page.locator('#findings button.copy').count()) > 0, 'fix YAML with a copy button');
      assert.ok((await page.locator('#trend svg polyline').count()) >= 1, 'a trend chart');
      assert.match((await page.textContent('#trend'))!, /\d{4}-\d{2}-\d{2}/, 'dated axis');
      assert.match((await page.textContent('#trend-scope'))!, /cluster/);
      await page.screenshot({ path: join(shots, 'shop-audit.png'), fullPage: true });
      share(join(shots, 'shop-audit.png'));

      await page.click('nav button[data-view="flows"]');
      await page.waitForFunction(() => document.querySelector('#flows-scope').textContent.length > 0);
      assert.match((await page.textContent('#flows-scope'))!, /cluster/);

      await page.click('nav button[data-view="diff"]');
      await page.waitForSelector('#diff table');
      assert.match((await page.textContent('#diff'))!, /removed/);
      await page.screenshot({ path: join(shots, 'shop-diff.png'), fullPage: true });
      share(join(shots, 'shop-diff.png'));

      assert.deepEqual(errors, []);
      assert.ok(requests.every((u) => u.startsWith(origin) || u.startsWith('data:')), `only local requests: ${requests.filter((u) => !u.startsWith(origin)).join(', ')}`);
    } finally {
      await browser.close();
    }
  });

  it('draws observed flows on the graph: counts by verdict, denied attempts without a policy path, the top flows on a click', async () => {
    const served = await serve(['-f', 'test/fixtures/flows/cluster.yaml', '--flows', 'test/fixtures/flows/logs', '--dataplane', 'kubernetes', '--db', join(dir, 'none.db')]);
    const browser = await launch();
    try {
      const { page, requests, errors } = await open(browser, served.origin);
      assert.ok(!requests.some((u) => u.includes('/api/diff')), 'no diff request without --proposed');
      await page.check('#o-flows');
      await page.waitForFunction(() => window.podwallGraph.edges('[flowText]').length > 0);
      const flowEdges = await page.evaluate(() => window.podwallGraph.edges('[flowText]').map((e: any) => `${e.data('kind')} ${e.data('source')} -> ${e.data('target')} ${e.data('flowText')}`));
      assert.ok(flowEdges.some((e: string) => e.startsWith('flow ') && /✗\d+/.test(e)), `a denied attempt without a policy path: ${flowEdges.join('\n')}`);
      const { edges: mids, misses } = await clickPoints(page);
      assert.deepEqual(misses, []);
      const denied = mids.find((e) => e.kind === 'flow')!;
      await page.mouse.click(denied.x, denied.y);
      await page.waitForSelector('#flow-top table');
      assert.match((await page.textContent('#explain'))!, /Denied attempts, and no policy path/);
      assert.match((await page.textContent('#flow-top'))!, /Deciding policy/);
      const shots = screenDir('flows');
      await page.screenshot({ path: join(shots, 'flows-overlay.png') });
      share(join(shots, 'flows-overlay.png'));
      assert.deepEqual(errors, []);
      assert.ok(requests.every((u) => u.startsWith(served.origin) || u.startsWith('data:')));
    } finally {
      await browser.close();
      await served.stop();
    }
  });
});
