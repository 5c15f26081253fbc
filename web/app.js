// podwall dashboard: plain browser JavaScript over the read-only JSON API. Works offline.
/* global cytoscape */
'use strict';

const $ = (sel) => document.querySelector(sel);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

async function api(path) {
  const res = await fetch(path);
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || `HTTP ${res.status}`);
  return body;
}

// ---- views ----
for (const b of document.querySelectorAll('nav button')) {
  b.addEventListener('click', () => {
    document.querySelectorAll('nav button').forEach((x) => x.classList.toggle('active', x === b));
    document.querySelectorAll('.view').forEach((v) => v.classList.toggle('active', v.id === `view-${b.dataset.view}`));
    if (b.dataset.view === 'graph' && window.podwallGraph) window.podwallGraph.resize();
    loaders[b.dataset.view]?.();
  });
}

// ---- graph ----
// a port range of an edge or a diff change: {protocol, from, to}
const portText = (p) => `${p.from === p.to ? p.from : `${p.from}-${p.to}`}/${p.protocol}`;
let graphData = { nodes: [], edges: [] };
const collapsed = new Set();

function elements() {
  const els = [];
  if (graphData.level === 'namespace') {
    // a large cluster, folded: one node per namespace; double-click opens one
    for (const n of graphData.nodes) els.push({ data: { id: `ns:${n.id}`, label: `${n.id} (${n.pods} pods)`, namespace: n.id, kind: 'namespace', collapsed: true } });
    for (const e of graphData.edges) {
      els.push({ data: { id: e.id, source: `ns:${e.from}`, target: `ns:${e.to}`, ports: e.ports, pairs: [], weight: e.weight, label: e.ports.map(portText).slice(0, 3).join(', ') + (e.ports.length > 3 ? '…' : '') } });
    }
    return els;
  }
  const namespaces = [...new Set(graphData.nodes.map((n) => n.namespace))].sort();
  for (const ns of namespaces) {
    const count = graphData.nodes.filter((n) => n.namespace === ns).length;
    els.push({ data: { id: `ns:${ns}`, label: collapsed.has(ns) ? `${ns} (${count})` : ns, namespace: ns, kind: 'namespace', collapsed: collapsed.has(ns) } });
  }
  for (const n of graphData.nodes) {
    if (collapsed.has(n.namespace)) continue;
    els.push({ data: { id: n.id, parent: `ns:${n.namespace}`, label: n.name, kind: n.kind, pods: n.pods } });
  }
  // edges into or out of a collapsed namespace are merged into one per pair of visible ends
  const merged = new Map();
  const nsOf = new Map(graphData.nodes.map((n) => [n.id, n.namespace]));
  for (const e of graphData.edges) {
    const end = (id) => {
      const ns = nsOf.get(id) ?? id.slice(0, id.indexOf('/'));
      return collapsed.has(ns) ? `ns:${ns}` : id;
    };
    const from = end(e.from);
    const to = end(e.to);
    if (from === to) continue;
    const key = `${from}->${to}`;
    const m = merged.get(key) || { id: key, source: from, target: to, ports: [], pairs: [] };
    for (const p of e.ports) if (!m.ports.some((q) => q.from === p.from && q.to === p.to && q.protocol === p.protocol)) m.ports.push(p);
    m.pairs.push({ from: e.from, to: e.to, ports: e.ports });
    merged.set(key, m);
  }
  for (const m of merged.values()) {
    els.push({ data: { ...m, label: m.ports.map(portText).slice(0, 4).join(', ') + (m.ports.length > 4 ? '…' : '') } });
  }
  return els;
}

function draw() {
  const cy = window.podwallGraph;
  cy.elements().remove();
  cy.add(elements());
  cy.layout({ name: 'cose', animate: false, nodeDimensionsIncludeLabels: true, padding: 30, randomize: false, nodeRepulsion: () => 9000 }).run();
}

function initGraph() {
  const cy = cytoscape({
    container: $('#graph'),
    style: [
      { selector: 'node', style: { label: 'data(label)', 'font-size': 11, 'text-valign': 'bottom', 'text-margin-y': 4, 'background-color': '#2764c5', width: 22, height: 22 } },
      { selector: 'node[kind = "namespace"]', style: { 'background-color': '#eef2f8', 'border-color': '#9fb3d1', 'border-width': 1, 'text-valign': 'top', 'font-weight': 'bold', shape: 'round-rectangle', padding: 14 } },
      { selector: 'node[?collapsed]', style: { width: 60, height: 34, 'text-valign': 'center', 'background-color': '#dfe7f3' } },
      { selector: 'edge', style: { width: 1.6, 'curve-style': 'bezier', 'target-arrow-shape': 'triangle', 'line-color': '#9aa5b1', 'target-arrow-color': '#9aa5b1', label: 'data(label)', 'font-size': 9, 'text-rotation': 'autorotate', color: '#55606c' } },
      { selector: '.faded', style: { opacity: 0.15 } },
      { selector: 'edge.out', style: { 'line-color': '#2764c5', 'target-arrow-color': '#2764c5', width: 2.5 } },
      { selector: 'edge.in', style: { 'line-color': '#b7791f', 'target-arrow-color': '#b7791f', width: 2.5 } },
      { selector: 'node.focus', style: { 'background-color': '#c0392b' } },
      { selector: 'edge.selected-edge', style: { 'line-color': '#c0392b', 'target-arrow-color': '#c0392b', width: 3.5 } },
    ],
  });
  window.podwallGraph = cy;
  cy.on('tap', 'node', (ev) => {
    const n = ev.target;
    if (n.data('kind') === 'namespace') return;
    cy.elements().removeClass('faded out in focus');
    const out = n.outgoers('edge');
    const inc = n.incomers('edge');
    cy.elements().not(n.union(out).union(inc).union(out.targets()).union(inc.sources()).union(n.ancestors())).addClass('faded');
    out.addClass('out');
    inc.addClass('in');
    n.addClass('focus');
  });
  cy.on('tap', (ev) => {
    if (ev.target === cy) cy.elements().removeClass('faded out in focus');
  });
  cy.on('dbltap', 'node[kind = "namespace"]', (ev) => {
    const ns = ev.target.data('namespace');
    if (graphData.level === 'namespace') {
      $('#f-namespace').value = ns;
      loadGraph();
      return;
    }
    if (collapsed.has(ns)) collapsed.delete(ns);
    else collapsed.add(ns);
    draw();
  });
  cy.on('tap', 'edge', (ev) => {
    cy.edges().removeClass('selected-edge');
    ev.target.addClass('selected-edge');
    showEdge(ev.target.data());
  });
}

async function showEdge(edge) {
  if (!edge.pairs.length) {
    const ports = edge.ports.map(portText).join(', ');
    $('#explain').innerHTML = `<h2>${esc(edge.source.slice(3))} → ${esc(edge.target.slice(3))}</h2><p>${edge.weight} allowed pod pairs on ${esc(ports)}.</p><p class="muted">Double-click a namespace to open its workloads and explain a connection.</p>`;
    return;
  }
  const pair = edge.pairs[0];
  const p = pair.ports[0];
  const others = edge.pairs.length > 1 ? `<p class="muted">${edge.pairs.length} workload pairs merged in this edge; showing ${esc(pair.from)} → ${esc(pair.to)}.</p>` : '';
  const ports = pair.ports.map((x) => `<span class="port-tag" data-port="${x.port}" data-protocol="${x.protocol}">${portText(x)}</span>`).join('');
  $('#explain').innerHTML = `<h2>${esc(pair.from)} → ${esc(pair.to)}</h2>${others}<div>${ports}</div><div id="explain-body"></div>`;
  for (const tag of document.querySelectorAll('.port-tag')) tag.addEventListener('click', () => explain(pair.from, pair.to, tag.dataset.port, tag.dataset.protocol));
  await explain(pair.from, pair.to, p.port, p.protocol);
}

async function explain(from, to, port, protocol) {
  try {
    const r = await api(`/api/explain?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&port=${port}&protocol=${protocol}`);
    const cls = r.verdict.allowed ? 'verdict-allow' : 'verdict-deny';
    // a workload is all its pods: some pod pairs may be allowed and others not
    const word = r.verdict.outcome === 'mixed' ? 'PARTLY ALLOWED' : r.verdict.outcome === 'none' ? 'NO ENDPOINTS' : r.verdict.allowed ? 'ALLOWED' : 'DENIED';
    $('#explain-body').innerHTML = `<p class="${cls}">${word} on ${port}/${protocol}</p><pre>${esc(r.text)}</pre>`;
  } catch (e) {
    $('#explain-body').innerHTML = `<p class="verdict-deny">${esc(e.message)}</p>`;
  }
}

async function loadGraph() {
  const q = new URLSearchParams();
  for (const [k, el] of [['namespace', '#f-namespace'], ['port', '#f-port'], ['protocol', '#f-protocol']]) if ($(el).value) q.set(k, $(el).value);
  graphData = await api(`/api/graph?${q}`);
  // an opened namespace shows its workloads; the namespaces it talks to stay folded
  collapsed.clear();
  const focus = $('#f-namespace').value;
  if (focus) for (const n of graphData.nodes) if (n.namespace !== focus) collapsed.add(n.namespace);
  const notes = [];
  if (graphData.level === 'namespace') notes.push(`${graphData.nodes.length} namespaces; double-click one to open its workloads.`);
  if (graphData.hiddenEdges) notes.push(`${graphData.hiddenEdges} lighter edges left out to keep the page fluid: filter by namespace or port to see them.`);
  $('#graph-note').textContent = notes.join(' ');
  draw();
  document.body.dataset.graphReady = 'true';
}

// ---- audit ----
function lineChart(series, { width = 720, height = 200, percent = true } = {}) {
  const points = series.flatMap((s) => s.values);
  if (points.length === 0) return '<p class="muted">No recorded runs yet: record some with <code>podwall audit --record</code>.</p>';
  const n = Math.max(...series.map((s) => s.values.length));
  const max = percent ? 1 : Math.max(1, ...points.map((p) => p.y));
  const x = (i) => 40 + (n === 1 ? (width - 60) / 2 : (i * (width - 60)) / (n - 1));
  const y = (v) => height - 25 - (v / max) * (height - 45);
  const colors = ['#2764c5', '#b7791f', '#2f855a', '#c0392b'];
  const grid = [0, 0.5, 1].map((t) => `<line x1="40" x2="${width - 20}" y1="${y(t * max)}" y2="${y(t * max)}" stroke="#e5e8ec"/><text x="4" y="${y(t * max) + 4}" font-size="10" fill="#6b7480">${percent ? `${t * 100}%` : Math.round(t * max)}</text>`).join('');
  const lines = series
    .map((s, k) => {
      const pts = s.values.map((v, i) => `${x(i)},${y(v.y)}`).join(' ');
      const dots = s.values.map((v, i) => `<circle cx="${x(i)}" cy="${y(v.y)}" r="3" fill="${colors[k]}"><title>${esc(s.name)} ${esc(v.label)}: ${percent ? `${Math.round(v.y * 1000) / 10}%` : v.y}</title></circle>`).join('');
      return `<polyline fill="none" stroke="${colors[k]}" stroke-width="2" points="${pts}"/>${dots}`;
    })
    .join('');
  const legend = series.map((s, k) => `<tspan fill="${colors[k]}">■ ${esc(s.name)}</tspan>`).join('  ');
  return `<svg class="chart" width="${width}" height="${height + 20}" role="img"><text x="40" y="${height + 12}" font-size="11">${legend}</text>${grid}${lines}</svg>`;
}

async function loadAudit() {
  const [audit, history] = await Promise.all([api('/api/audit'), api('/api/history')]);
  const k = audit.kpis;
  const pct = (v) => `${Math.round(v * 1000) / 10}%`;
  const tiles = [
    ['Enforcement', k.enforcement],
    ['Default-deny ingress', pct(k.defaultDenyIngress)],
    ['Default-deny egress', pct(k.defaultDenyEgress)],
    ['Pods isolated (ingress)', pct(k.podsIsolatedIngress)],
    ['Pods isolated (egress)', pct(k.podsIsolatedEgress)],
    ['Policies', k.policies],
    ['Stale policies', k.stalePolicies],
    ['Findings', `${k.findings.error} / ${k.findings.warning} / ${k.findings.info}`],
    ['CIS EKS score', k.cisScore === null ? 'n/a' : `${k.cisScore}%`],
  ];
  $('#kpis').innerHTML = tiles.map(([l, v]) => `<div class="tile"><div class="muted">${esc(l)}</div><div class="value">${esc(v)}</div></div>`).join('');
  const runs = history.runs;
  const series = (name, f) => ({ name, values: runs.map((r) => ({ y: f(r.kpis), label: r.at.slice(0, 10) })) });
  $('#trend').innerHTML = lineChart([
    series('default-deny ingress', (x) => x.defaultDenyIngress),
    series('default-deny egress', (x) => x.defaultDenyEgress),
    series('pods isolated (ingress)', (x) => x.podsIsolatedIngress),
    series('CIS score', (x) => (x.cisScore ?? 0) / 100),
  ]);
  $('#findings tbody').innerHTML = audit.findings
    .map((f) => `<tr><td class="sev-${f.severity}">${f.severity}</td><td><code>${esc(f.check)}</code></td><td>${esc(f.object)}</td><td>${esc(f.message)}</td><td>${esc(f.remedy)}</td></tr>`)
    .join('');
}

async function loadFlows() {
  const history = await api('/api/history');
  const latest = history.flows[history.flows.length - 1];
  if (!latest) {
    $('#flows-chart').innerHTML = '<p class="muted">No recorded flows: record some with <code>podwall flows summary LOGS -f CLUSTER --record</code>.</p>';
    return;
  }
  const weeks = Object.entries(latest.summary.deniedPerWeek);
  $('#flows-chart').innerHTML = lineChart([{ name: 'denied attempts', values: weeks.map(([w, n]) => ({ y: n, label: w })) }], { percent: false });
  $('#flows-top tbody').innerHTML = latest.summary.topDeniedPairs.map((p) => `<tr><td>${p.count}</td><td>${esc(p.pair)}</td><td>${esc(p.decidedBy)}</td></tr>`).join('');
}

async function loadDiff() {
  try {
    const d = await api('/api/diff');
    if (!d.changes.length) {
      $('#diff').innerHTML = '<p>The proposed policies change no connection.</p>';
      return;
    }
    $('#diff').innerHTML = `<p>${d.newlyAllowed} newly allowed, ${d.newlyDenied} newly denied</p><table><thead><tr><th>change</th><th>from</th><th>to</th><th>ports</th><th>after</th></tr></thead><tbody>${d.changes
      .map((c) => `<tr><td class="${c.change === 'newly-allowed' ? 'sev-warning' : 'sev-error'}">${c.change}</td><td>${esc(c.from)}</td><td>${esc(c.to)}</td><td>${esc(c.ports.map(portText).join(', '))}${c.somePods ? ' (some pods)' : ''}</td><td>${esc(c.after)}</td></tr>`)
      .join('')}</tbody></table>`;
  } catch (e) {
    $('#diff').innerHTML = `<p class="muted">${esc(e.message)}</p>`;
  }
}

const loaders = { audit: loadAudit, flows: loadFlows, diff: loadDiff };

async function main() {
  const s = await api('/api/summary');
  $('#source').textContent = `${s.source} · ${s.workloads} workloads · ${s.pods} pods · ${s.policies} policies · ${s.enforcingMode} mode`;
  for (const ns of s.namespaces) $('#f-namespace').insertAdjacentHTML('beforeend', `<option>${esc(ns)}</option>`);
  for (const p of [...new Set(s.ports.map((p) => p.port))].sort((a, b) => a - b)) $('#f-port').insertAdjacentHTML('beforeend', `<option>${p}</option>`);
  for (const el of ['#f-namespace', '#f-port', '#f-protocol']) $(el).addEventListener('change', loadGraph);
  $('#collapse-all').addEventListener('click', () => {
    for (const n of graphData.nodes) collapsed.add(n.namespace);
    draw();
  });
  $('#expand-all').addEventListener('click', () => {
    collapsed.clear();
    draw();
  });
  initGraph();
  // the server folds large clusters into namespaces so the page stays fluid
  await loadGraph();
}

main().catch((e) => {
  document.body.insertAdjacentHTML('afterbegin', `<p class="verdict-deny">podwall: ${esc(e.message)}</p>`);
});
