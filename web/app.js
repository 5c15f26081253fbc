// podwall dashboard: the page's start. Reads the summary, says what is served (cluster, data plane,
// mode), shows only the views the server can fill (no diff request without --proposed, no flows overlay
// without --flows), and wires the toolbar to the graph.
'use strict';

(function () {
  const { $, esc, api, state } = window.podwall;
  const graph = window.podwallGraphView;
  const loaders = { audit: () => window.podwallAudit.load(), flows: () => window.podwallFlows.load(), diff: () => window.podwallDiff.load() };

  function views() {
    for (const b of document.querySelectorAll('nav button')) {
      b.addEventListener('click', () => {
        document.querySelectorAll('nav button').forEach((x) => x.classList.toggle('active', x === b));
        document.querySelectorAll('.view').forEach((v) => v.classList.toggle('active', v.id === `view-${b.dataset.view}`));
        if (b.dataset.view === 'graph') window.podwallGraph?.resize();
        loaders[b.dataset.view]?.().catch((e) => fail(e));
      });
    }
  }

  function fail(e) {
    $('#error').textContent = `podwall: ${e.message}`;
    $('#error').hidden = false;
  }

  function header(s) {
    const plane = s.dataplane ? ` · ${typeof s.dataplane === 'object' ? s.dataplane.text ?? s.dataplane.name : s.dataplane}` : '';
    // a cluster named after its files is named once
    // the cluster is named apart only when the source does not name it already (files, or a live context)
    const cluster = s.cluster && s.cluster !== s.source && !s.source.split(/[\s,]+/).includes(s.cluster) ? `cluster ${s.cluster} · ` : '';
    $('#source').textContent = `${cluster}${s.source} · ${s.workloads} workloads · ${s.pods} pods · ${s.policies} policies · ${s.enforcingMode} mode${plane}${s.live ? ' · live' : ''}`;
  }

  /** An overlay checkbox: fetch its edges on first tick, draw or remove them. */
  function overlayToggle(box, name, source) {
    box.closest('label').hidden = false;
    box.addEventListener('change', async () => {
      try {
        await graph.overlay(name, box.checked ? await source() : []);
      } catch (e) {
        box.checked = false;
        fail(e);
      }
    });
  }

  async function main() {
    views();
    const s = await api('/api/summary');
    state.summary = s;
    header(s);
    const hasProposed = Boolean(s.hasProposed ?? s.hasDiff);
    document.querySelector('nav button[data-view="diff"]').hidden = !hasProposed;
    document.querySelector('nav button[data-view="flows"]').hidden = !(s.hasHistory || s.hasFlows);
    for (const ns of s.namespaces) $('#f-namespace').insertAdjacentHTML('beforeend', `<option>${esc(ns)}</option>`);
    for (const p of [...new Set(s.ports.map((p) => p.port))].sort((a, b) => a - b)) $('#f-port').insertAdjacentHTML('beforeend', `<option>${p}</option>`);
    for (const el of ['#f-namespace', '#f-port', '#f-protocol']) $(el).addEventListener('change', () => graph.load().catch(fail));
    $('#collapse-all').addEventListener('click', () => graph.openAll(false));
    $('#expand-all').addEventListener('click', () => graph.openAll(true));
    $('#fit').addEventListener('click', () => window.podwallGraph?.fit(undefined, 24));
    if (hasProposed) overlayToggle($('#o-diff'), 'diff', () => window.podwallDiff.edges());
    if (s.hasFlows) overlayToggle($('#o-flows'), 'flows', () => window.podwallFlows.edges());
    graph.init();
    await graph.load();
    if (s.live) {
      window.podwallLive.start(async (change) => {
        await graph.load();
        graph.mark(change.opened);
      });
    }
  }

  main().catch(fail);
})();
