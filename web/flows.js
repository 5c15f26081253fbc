// podwall dashboard: what the flow logs saw. On the graph, observed counts on the edges (✓ allowed,
// ✗ denied) and denied attempts drawn red and dashed even where no policy path exists; a click shows the
// top flows and the deciding policy. The flows view charts recorded summaries of the served cluster.
'use strict';

(function () {
  const { $, esc, api, when } = window.podwall;

  /** Observed flows as overlay edges: counts on allowed paths, and denied attempts where none exists. */
  async function edges() {
    const r = await api('/api/flows');
    return r.edges.map((e) => ({ from: e.from, to: e.to, ports: e.ports ?? [], kind: e.policyPath ? 'allowed' : 'flow', flows: { allowed: e.allowed, denied: e.denied } }));
  }

  async function showEdge(pane, d) {
    if (!pane) return;
    const pair = d.pairs[0];
    const head = `<h3>Observed flows</h3><p><span class="verdict-allow">${d.flows.allowed} allowed</span> · <span class="verdict-deny">${d.flows.denied} denied</span></p>`;
    if (d.kind === 'flow') pane.innerHTML = `<h2>${esc(pair.from)} → ${esc(pair.to)}</h2><p class="verdict-deny">Denied attempts, and no policy path allows this connection.</p>${head}<div id="flow-top"></div>`;
    else pane.innerHTML = `${head}<div id="flow-top"></div>`;
    try {
      const r = await api(`/api/flows/edge?from=${encodeURIComponent(pair.from)}&to=${encodeURIComponent(pair.to)}`);
      $('#flow-top').innerHTML = `<table><thead><tr><th>port</th><th>verdict</th><th>count</th><th>first</th><th>last</th></tr></thead><tbody>${r.top
        .map((f) => `<tr><td>${f.port}/${esc(f.protocol)}</td><td class="${f.verdict === 'deny' || f.verdict === 'denied' ? 'verdict-deny' : 'verdict-allow'}">${esc(f.verdict)}</td><td>${f.count}</td><td>${esc(when(f.first))}</td><td>${esc(when(f.last))}</td></tr>`)
        .join('')}</tbody></table><h4>Deciding policy${r.deciding?.policy ? `: ${esc(r.deciding.policy)}` : ''}</h4><pre>${esc(r.deciding?.text ?? r.deciding)}</pre>`;
    } catch (e) {
      $('#flow-top').innerHTML = `<p class="muted">${esc(e.message)}</p>`;
    }
  }

  async function load() {
    const summary = window.podwall.state.summary ?? {};
    const history = await api('/api/history');
    const scope = history.cluster ?? summary.cluster;
    $('#flows-scope').textContent = scope ? `Flow summaries recorded for cluster ${scope} only. ${history.scopeNote ?? summary.scopeNote ?? ''}` : 'Flow summaries in the history database (the server does not say which cluster they belong to).';
    const recorded = history.flows ?? [];
    const latest = recorded[recorded.length - 1];
    if (!latest) {
      $('#flows-chart').innerHTML = '<p class="muted">No recorded flows: record some with <code>podwall flows summary LOGS -f CLUSTER --record</code>.</p>';
      return;
    }
    const weeks = Object.entries(latest.summary.deniedPerWeek ?? {});
    // weeks are ISO week keys or dates; a week key becomes the Monday it starts
    const toDate = (w) => {
      const m = /^(\d{4})-W(\d{2})$/.exec(w);
      if (!m) return w;
      const jan4 = new Date(Date.UTC(Number(m[1]), 0, 4));
      const monday = new Date(jan4.getTime() - ((jan4.getUTCDay() + 6) % 7) * 86_400_000 + (Number(m[2]) - 1) * 7 * 86_400_000);
      return monday.toISOString();
    };
    $('#flows-chart').innerHTML = window.podwallCharts.timeChart({ name: `Denied attempts per week (recorded ${when(latest.at)})`, color: '#c53030', points: weeks.map(([w, n]) => ({ at: toDate(w), y: n })) }, { unit: 'flows', width: 720 });
    $('#flows-top tbody').innerHTML = (latest.summary.topDeniedPairs ?? []).map((p) => `<tr><td>${p.count}</td><td>${esc(p.pair)}</td><td>${esc(p.decidedBy)}</td></tr>`).join('');
  }

  window.podwallFlows = { edges, showEdge, load };
})();
