// podwall dashboard: the graph view. Draws what graph-model decided at the places layout gave, with
// edges bent by edge-routes so every midpoint can be clicked; colours say the verdict (allowed blue,
// partly allowed amber, denied red and dashed: red is never an allowed connection; a selected edge is
// purple). Overlays (denied paths of a workload, the proposed diff, observed flows) are extra edges.
/* global cytoscape */
'use strict';

(function () {
  const { $, esc, api } = window.podwall;
  const { build, portText, portsLabel, OUTSIDE } = window.podwallModel;
  const FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", sans-serif';
  /** Edge labels are drawn only when they can be read: few edges and a zoom at which 9px stays 9px. */
  const LABEL_EDGES = 60;
  const LABEL_ZOOM = 0.75;
  /** How far (screen pixels) a midpoint keeps from boxes and from other edges (Cytoscape gives a click to
   * the node under it, else to the nearest edge; twice its own tolerance, as the final fit may zoom out). */
  const CLEAR_PX = { box: 5, edge: 6 };
  /** The smallest node label (screen pixels) the first view shows, when the graph is small enough to allow it. */
  const MIN_FONT_PX = 10.5;
  const NODE_FONT = 11;
  /** How much larger than the page the graph may be drawn for that: beyond it, the whole graph is shown instead. */
  const READ_STRETCH = 1.9;
  /** ... and only a graph of this many nodes at most: a larger one is first seen whole (its overview matters more). */
  const READ_NODES = 60;
  const MAX_FIRST_ZOOM = 1.3;

  const COLORS = { allowed: '#3a6fc4', partial: '#c98a12', denied: '#c53030', added: '#1f8a4c', removed: '#7a5230', flow: '#3a6fc4', selected: '#7b2fbf', eks: '#d9480f' };

  const view = { data: { nodes: [], edges: [] }, open: null, focus: '', overlays: { denied: [], diff: [], flows: [] }, model: null, selected: null };
  let cy;

  function style() {
    return [
      { selector: 'node', style: { 'font-family': FONT_FAMILY, 'z-index-compare': 'manual', 'z-index': 10, label: 'data(label)', 'font-size': 11, 'text-valign': 'center', 'text-halign': 'center', width: 'data(w)', height: 'data(h)', shape: 'round-rectangle', 'background-color': '#fff', 'border-width': 1.5, 'border-color': '#5b7fb3', color: '#1d232a' } },
      { selector: 'node[kind = "box"]', style: { 'z-index': 0, shape: 'rectangle', 'background-color': '#f1f4f9', 'border-color': '#a9b8cf', 'border-width': 1, 'text-valign': 'top', 'text-margin-y': 20, 'font-weight': 'bold', 'font-size': 12, color: '#34465f' } },
      { selector: `node[id = "ns:${OUTSIDE}"]`, style: { 'background-color': '#fbf6ec', 'border-color': '#d8c39a' } },
      { selector: 'node[kind = "folded"]', style: { 'z-index': 10, 'background-color': '#e4eaf3', 'border-style': 'dashed', 'border-color': '#7d8fa9', 'text-wrap': 'wrap', 'font-size': 11, 'line-height': 1.4 } },
      { selector: 'node[kind = "outside"]', style: { shape: 'cut-rectangle', 'border-color': '#a8761f', 'background-color': '#fffaf0' } },
      // a fan: many edges of one node bundled into one, ending at this pill
      { selector: 'node[kind = "fan"]', style: { 'border-style': 'dashed', 'border-color': '#7d8fa9', 'background-color': '#eef3fb', 'font-size': 10, color: '#34465f' } },
      // a handle: where an edge with no clear midpoint answers a click
      { selector: 'node[kind = "handle"]', style: { 'z-index': 12, shape: 'ellipse', label: '', 'background-color': COLORS.allowed, 'border-width': 1.5, 'border-color': '#fff' } },
      { selector: 'node[kind = "handle"].partial', style: { 'background-color': COLORS.partial } },
      { selector: 'node[kind = "handle"].denied, node[kind = "handle"].flow', style: { 'background-color': COLORS.denied } },
      { selector: 'node[kind = "handle"].added', style: { 'background-color': COLORS.added } },
      { selector: 'node[kind = "handle"].removed', style: { 'background-color': COLORS.removed } },
      { selector: 'edge', style: { 'z-index-compare': 'manual', 'z-index': 5, 'curve-style': 'unbundled-bezier', 'control-point-distances': 'data(cpd)', 'control-point-weights': 'data(cpw)', 'edge-distances': 'node-position', width: 'data(width)', 'line-color': COLORS.allowed, 'target-arrow-shape': 'triangle', 'target-arrow-color': COLORS.allowed, 'arrow-scale': 0.8, 'font-family': FONT_FAMILY, 'font-size': 9, color: '#2b3440', 'text-background-color': '#fff', 'text-background-opacity': 0.85, 'text-background-padding': 1, 'text-rotation': 'autorotate' } },
      // a loop: its control points must lie outside its node (else Cytoscape cannot draw it), so its size
      // follows the node's (data.loopStep) and a wide node has loops above or below only
      { selector: 'edge[?loop]', style: { 'curve-style': 'bezier', 'control-point-step-size': 'data(loopStep)', 'loop-sweep': '-70deg', 'loop-direction': '0deg' } },
      { selector: 'edge.loop-s', style: { 'loop-direction': '180deg' } },
      { selector: 'edge.loop-nw', style: { 'loop-direction': '-45deg' } },
      { selector: 'edge.loop-ne', style: { 'loop-direction': '45deg' } },
      { selector: 'edge[?fan]', style: { width: 3.5 } },
      { selector: 'edge[verdict = "partial"]', style: { 'line-color': COLORS.partial, 'target-arrow-color': COLORS.partial } },
      { selector: 'edge[?eks]', style: { 'mid-target-arrow-shape': 'diamond', 'mid-target-arrow-color': COLORS.eks, 'mid-target-arrow-fill': 'filled', 'arrow-scale': 1 } },
      { selector: 'edge[kind = "denied"]', style: { 'line-color': COLORS.denied, 'target-arrow-color': COLORS.denied, 'line-style': 'dashed', 'target-arrow-shape': 'tee' } },
      { selector: 'edge[kind = "added"]', style: { 'line-color': COLORS.added, 'target-arrow-color': COLORS.added, 'line-style': 'dashed', width: 3 } },
      { selector: 'edge[kind = "removed"]', style: { 'line-color': COLORS.removed, 'target-arrow-color': COLORS.removed, 'line-style': 'dotted', width: 3, 'target-arrow-shape': 'tee' } },
      { selector: 'edge[kind = "flow"]', style: { 'line-color': COLORS.denied, 'target-arrow-color': COLORS.denied, 'line-style': 'dashed', 'target-arrow-shape': 'tee' } },
      { selector: 'edge[flowText]', style: { 'source-label': 'data(flowText)', 'source-text-offset': 24, 'font-size': 9 } },
      { selector: 'edge.show-label, edge.hover, edge.picked', style: { label: 'data(drawnLabel)' } },
      // a shown label lies on the edge's middle, over the diamond: the label says ◆ instead, in the mark's colour
      { selector: 'edge[?eks].show-label, edge[?eks].hover, edge[?eks].picked', style: { 'mid-target-arrow-shape': 'none', color: COLORS.eks } },
      { selector: '.faded', style: { opacity: 0.18 } },
      { selector: 'edge.out', style: { width: 3 } },
      { selector: 'edge.in', style: { width: 3 } },
      { selector: 'node.focus', style: { 'border-width': 3, 'border-color': COLORS.selected } },
      // opened by the latest change of a live cluster
      { selector: 'edge.opened', style: { 'underlay-color': COLORS.added, 'underlay-opacity': 0.35, 'underlay-padding': 5 } },
      { selector: 'edge.picked', style: { 'line-color': COLORS.selected, 'target-arrow-color': COLORS.selected, width: 4, 'z-index': 6 } },
    ];
  }

  function init() {
    cy = cytoscape({ container: $('#graph'), style: style(), autoungrabify: true, boxSelectionEnabled: false, minZoom: 0.05, maxZoom: 3 });
    window.podwallGraph = cy;
    cy.on('tap', 'node[kind = "workload"], node[kind = "outside"], node[kind = "folded"]', (ev) => selectNode(ev.target));
    cy.on('tap', 'edge', (ev) => selectEdge(ev.target));
    // a handle is its edge; a fan's pill is the fan
    cy.on('tap', 'node[kind = "handle"]', (ev) => selectEdge(cy.$id(ev.target.data('edge'))));
    cy.on('tap', 'node[kind = "fan"]', (ev) => selectEdge(ev.target.connectedEdges().first()));
    cy.on('mouseover', 'node[kind = "handle"]', (ev) => cy.$id(ev.target.data('edge')).addClass('hover'));
    cy.on('mouseout', 'node[kind = "handle"]', (ev) => cy.$id(ev.target.data('edge')).removeClass('hover'));
    cy.on('tap', (ev) => {
      if (ev.target === cy) clearHighlight();
    });
    cy.on('dbltap', 'node[kind = "box"], node[kind = "folded"]', (ev) => toggle(ev.target.data('namespace')));
    cy.on('mouseover', 'edge', (ev) => ev.target.addClass('hover'));
    cy.on('mouseout', 'edge', (ev) => ev.target.removeClass('hover'));
    cy.on('zoom', () => labels());
  }

  /** Edge labels where they can be read: few edges, a zoom that keeps 9px legible, and no label over
   * another label or a box (those show when pointed at). In id order, so the same ones every time. */
  function labels() {
    const readable = cy.edges().length <= LABEL_EDGES && cy.zoom() >= LABEL_ZOOM;
    cy.edges().toggleClass('show-label', readable);
    if (!readable) return;
    const hit = (a, b) => a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;
    const taken = cy.nodes('[kind != "box"][kind != "handle"]').map((n) => n.boundingBox({ includeLabels: false }));
    // and no label over a namespace's title
    for (const b of cy.nodes('[kind = "box"]')) taken.push(b.boundingBox({ includeNodes: false, includeLabels: true, includeOverlays: false }));
    const sorted = cy.edges().sort((a, b) => (a.id() < b.id() ? -1 : 1));
    for (const e of sorted) {
      const bb = e.boundingBox({ includeNodes: false, includeEdges: false, includeLabels: true, includeSourceLabels: false, includeTargetLabels: false });
      if (bb.w === 0 || taken.some((t) => hit(t, bb))) e.removeClass('show-label');
      else taken.push(bb);
    }
  }

  function clearHighlight() {
    cy.elements().removeClass('faded out in focus');
  }

  /** Opens or folds a namespace; on a cluster the server folded, opening one asks for its workloads. */
  function toggle(ns) {
    // a namespace the server folded: ask for its workloads (or, for the rest around a focus, for all)
    if (view.data.level === 'namespace' || view.data.nodes.some((n) => n.id === ns && n.kind === 'Namespace')) {
      $('#f-namespace').value = ns === OUTSIDE || ns === 'other-ns' ? '' : ns;
      return load();
    }
    const open = new Set(view.model.open);
    if (open.has(ns)) open.delete(ns);
    else open.add(ns);
    view.open = open;
    return draw();
  }

  function overlayEdges() {
    return [...view.overlays.denied, ...view.overlays.diff, ...view.overlays.flows];
  }

  async function draw() {
    const model = build(view.data, { open: view.open ?? undefined, focus: view.focus, overlay: overlayEdges() });
    view.model = model;
    const boxes = await window.podwallLayout.place(model);
    // the note above the graph may move it: Cytoscape must measure its container again, or a click
    // would land where the graph used to be
    note(model);
    cy.resize();
    cy.startBatch();
    cy.elements().remove();
    const size = (id) => boxes.get(id) ?? { x: 0, y: 0, width: 40, height: 26 };
    for (const n of model.nodes) {
      const b = size(n.id);
      cy.add({ group: 'nodes', data: { ...n, w: b.width, h: b.height }, position: { x: b.x, y: b.y } });
    }
    cy.endBatch();
    frame();
    // bend edges so each midpoint is clear of boxes and of other edges, at the zoom the page shows
    const kinds = new Map(model.nodes.map((n) => [n.id, n.kind]));
    const leaves = new Map([...boxes].filter(([id]) => kinds.has(id) && kinds.get(id) !== 'box'));
    const zoom = Math.min(1, cy.zoom());
    const routes = window.podwallRoutes.route(model.drawn.filter((e) => !e.loop), leaves, { box: CLEAR_PX.box / zoom, edge: CLEAR_PX.edge / zoom });
    cy.startBatch();
    for (const e of model.drawn) {
      const r = routes.get(e.id);
      const flowText = e.flows ? `${e.flows.allowed ? `✓${e.flows.allowed}` : ''}${e.flows.denied ? ` ✗${e.flows.denied}` : ''}`.trim() : undefined;
      cy.add({ group: 'edges', data: { ...e, cpd: r?.distance ?? 0, cpw: r?.weight ?? 0.5, width: Math.min(4, 1.4 + Math.log10(e.weight || 1)), ...(flowText ? { flowText } : {}), ...(e.loop ? loopShape(size(e.source)) : {}) } });
    }
    cy.endBatch();
    // bent edges may reach beyond the boxes: keep every midpoint in view
    frame();
    // every edge answers a click: at its midpoint, else at a handle on its curve
    window.podwallHandles.ensure(cy, { partial: 'partial', denied: 'denied', flow: 'flow', added: 'added', removed: 'removed' });
    labels();
    document.body.dataset.graphReady = 'true';
  }

  /**
   * A loop's size and the sides it may sit on. Cytoscape puts its two control points 1.4 x step from
   * the node's centre, 35 degrees either side of its direction: above or below they clear the node when
   * 1.15 x step > height / 2; on a corner also when 1.38 x step > width / 2 (so only a squarish node).
   */
  function loopShape(b) {
    const above = (b.height / 2 + 18) / 1.15;
    const squarish = b.width <= 1.8 * b.height;
    return { loopStep: squarish ? Math.max(above, (b.width / 2 + 8) / 1.38) : above, loopDirs: squarish ? ['loop-n', 'loop-ne', 'loop-nw', 'loop-s'] : ['loop-n', 'loop-s'] };
  }

  /**
   * The first view: the whole graph, unless it is small enough that node labels can be read at
   * MIN_FONT_PX when drawn a little larger than the page; then that size, centred (the rest is a drag away).
   */
  function frame() {
    cy.fit(undefined, 24);
    // a handful of nodes: not blown up to fill the page
    if (cy.zoom() > MAX_FIRST_ZOOM) {
      cy.zoom(MAX_FIRST_ZOOM);
      cy.center();
    }
    const read = MIN_FONT_PX / NODE_FONT;
    if (cy.zoom() < read && cy.zoom() * READ_STRETCH >= read && cy.nodes('[kind != "box"][kind != "handle"]').length <= READ_NODES) {
      cy.zoom(read);
      cy.center();
    }
  }

  function note(model) {
    const parts = [];
    const total = model.namespaces.length;
    if (model.level === 'namespace') parts.push(`${total} namespaces, ${window.podwall.state.summary?.workloads ?? ''} workloads: too many to draw one by one, so each namespace is folded into one box. Double-click a box to open its workloads.`);
    else if (model.folded.length) parts.push(`${model.folded.length} of ${total + (model.outsideOpen ? 0 : 1)} boxes folded to stay readable (${model.folded.slice(0, 6).join(', ')}${model.folded.length > 6 ? ', …' : ''}); double-click a box to open or fold it.`);
    if (view.data.hiddenEdges) parts.push(`${view.data.hiddenEdges} lighter edges left out: filter by namespace or port to see them.`);
    // the server's own reason, unless the sentence above already says it
    if (view.data.folded?.reason && model.level !== 'namespace') parts.push(view.data.folded.reason.replace(/([^.])$/, '$1.'));
    if (view.data.dataplaneNote) parts.push(view.data.dataplaneNote);
    if (model.fans.length) parts.push(`${model.fans.length} node${model.fans.length === 1 ? '' : 's'} with many edges alike show${model.fans.length === 1 ? 's' : ''} them as one fan (a dashed pill): click it for the list.`);
    if (model.drawn.length > LABEL_EDGES) parts.push('Ports show when you point at an edge.');
    $('#graph-note').textContent = parts.join(' ');
  }

  /** The graph being asked for: a newer question gives it up (the server stops computing what nobody waits for). */
  let asking = null;

  async function load() {
    const q = new URLSearchParams();
    for (const [k, el] of [['namespace', '#f-namespace'], ['port', '#f-port'], ['protocol', '#f-protocol']]) if ($(el).value) q.set(k, $(el).value);
    asking?.abort();
    const mine = (asking = new AbortController());
    deniedAsking?.abort();
    let data;
    try {
      data = await window.podwallProgress.ask(`/api/graph?${q}`, $('#graph-progress'), mine.signal);
    } catch (e) {
      // given up for a newer question, which draws instead
      if (mine.signal.aborted) return;
      throw e;
    } finally {
      if (asking === mine) asking = null;
    }
    view.focus = $('#f-namespace').value;
    view.open = null;
    view.overlays.denied = [];
    view.data = data;
    await draw();
  }

  function highlight(n) {
    clearHighlight();
    const out = n.outgoers('edge');
    const inc = n.incomers('edge');
    cy.elements().not(n.union(out).union(inc).union(out.targets()).union(inc.sources()).union(cy.nodes('[kind = "box"]'))).addClass('faded');
    out.addClass('out');
    inc.addClass('in');
    n.addClass('focus');
  }

  function selectNode(n) {
    // the pane is another's now: what was asked for the one before is given up
    deniedAsking?.abort();
    highlight(n);
    const d = n.data();
    const isWorkload = d.kind === 'workload';
    // counted before fans bundled them; a loop is the node talking to itself
    const all = view.model.all.filter((e) => e.kind === 'allowed');
    const out = all.filter((e) => e.source === d.id && !e.loop).length;
    const inc = all.filter((e) => e.target === d.id && !e.loop).length;
    const self = all.some((e) => e.loop && e.source === d.id);
    const what = d.kind === 'folded' ? d.lines?.slice(1).join(' · ') ?? 'folded' : `${esc(d.workloadKind ?? 'outside the pod network')}${d.pods ? ` · ${d.pods} pods` : ''}`;
    $('#explain').innerHTML = `<h2>${esc(d.kind === 'folded' ? d.namespace : d.id)}</h2><p>${what}</p><p>Reaches ${out}, reached by ${inc} (allowed, as drawn)${self ? '; its pods may talk among themselves (the loop)' : ''}.</p>${isWorkload ? '<button id="show-denied">Show what is denied</button>' : ''}<div id="denied-list"></div>`;
    if (isWorkload) $('#show-denied').addEventListener('click', () => showDenied(d.id));
  }

  /** The denied paths of one workload, drawn red and dashed, each with why. */
  let deniedAsking = null;

  async function showDenied(workload) {
    const list = $('#denied-list');
    // "Asking…" until the progress box says more (app.css hides it then)
    list.innerHTML = '<div class="progress" role="status" hidden></div><p class="muted asking">Asking…</p>';
    deniedAsking?.abort();
    const mine = (deniedAsking = new AbortController());
    let r;
    try {
      r = await window.podwallProgress.ask(`/api/denied?workload=${encodeURIComponent(workload)}`, list.querySelector('.progress'), mine.signal);
    } catch (e) {
      if (mine.signal.aborted) return;
      list.innerHTML = `<p class="muted">The server cannot list denied connections (${esc(e.message)}).</p>`;
      return;
    }
    view.overlays.denied = r.edges.map((e) => ({ ...e, kind: 'denied' }));
    await draw();
    const n = cy.$id(workload);
    if (n.nonempty()) highlight(n);
    $('#explain').innerHTML = `<h2>Denied for ${esc(workload)}</h2><p>${r.edges.length} denied connections (red, dashed).</p><ul class="denied">${r.edges
      .map((e) => `<li><b>${esc(e.from)} → ${esc(e.to)}</b> ${esc((e.ports ?? []).map(portText).join(', '))}${e.verdict === 'partial' ? ' (some pods)' : ''}<br><span class="muted">${esc(e.reason?.text ?? '')}${e.reason?.file ? ` (${esc(e.reason.file)}${e.reason.line ? `:${e.reason.line}` : ''})` : ''}</span></li>`)
      .join('')}</ul>${r.truncated ? `<p class="muted">${r.truncated} more not listed.</p>` : ''}${r.dataplaneNote ? `<p class="muted">${esc(r.dataplaneNote)}</p>` : ''}`;
  }

  async function selectEdge(edge) {
    deniedAsking?.abort();
    cy.edges().removeClass('picked');
    edge.addClass('picked');
    view.selected = edge.id();
    await describe(edge.data());
  }

  /** A fan: every connection it bundles, each opening as its own edge would. */
  function describeFan(d) {
    const hub = d.fan.hub.replace(/^ns:/, '');
    const members = [...d.members].sort((a, b) => (a.id < b.id ? -1 : 1));
    const n = `${d.fan.ends.length} ${d.fan.dir === 'out' ? 'destinations' : 'sources'}`;
    $('#explain').innerHTML = `<h2>${esc(d.fan.dir === 'out' ? `${hub} → ${n}` : `${n} → ${hub}`)}</h2><p>${members.length} ${d.kind} edges bundled into this fan: ${d.fan.dir === 'out' ? `from ${esc(hub)} to each of these` : `to ${esc(hub)} from each of these`}, on ${esc(portsLabel(d.ports))}.</p><ul class="fan">${members
      .map((m, i) => `<li><a href="#" data-i="${i}">${esc((d.fan.dir === 'out' ? m.target : m.source).replace(/^ns:/, ''))}</a> <span class="muted">${esc(m.label)}${m.verdict === 'partial' ? ' (some pods)' : ''}</span></li>`)
      .join('')}</ul>`;
    for (const a of $('#explain').querySelectorAll('ul.fan a')) {
      a.addEventListener('click', (ev) => {
        ev.preventDefault();
        describe(members[Number(a.dataset.i)]);
      });
    }
  }

  async function describe(d) {
    const pane = $('#explain');
    if (d.fan) return describeFan(d);
    if (d.kind === 'denied') {
      const e = d.pairs[0];
      pane.innerHTML = `<h2>${esc(e.from)} → ${esc(e.to)}</h2><p class="verdict-deny">${e.verdict === 'partial' ? 'DENIED FOR SOME PODS' : 'DENIED'} ${esc((e.ports ?? []).map(portText).join(', '))}</p><pre>${esc(e.reason?.text ?? '')}</pre>`;
      return;
    }
    if (d.kind === 'added' || d.kind === 'removed') return window.podwallDiff?.showChange(pane, d.pairs);
    // seen denied in the flow logs, with no policy path: the flows are all there is to show
    if (d.kind === 'flow') return window.podwallFlows.showEdge(pane, d);
    const pair = d.pairs.find((p) => !String(p.from).startsWith('ns:') && p.ports?.length);
    if (view.data.level === 'namespace' || !pair || d.source.startsWith('ns:') || d.target.startsWith('ns:')) {
      const loop = d.loop ? `<p>Pods of ${esc(d.source.replace(/^ns:/, ''))} may talk among themselves.</p>` : '';
      // the marks of the folded connections (under eks): where the other data plane answers otherwise, and why
      const folded = d.pairs.flatMap((p) => marksOf(p).map((m) => markText(m, d.pairs.length > 1 ? `${p.from} → ${p.to}: ` : ''))).join('');
      pane.innerHTML = `<h2>${esc(d.source.replace(/^ns:/, ''))} → ${esc(d.target.replace(/^ns:/, ''))}</h2>${loop}<p>${d.pairs.length} connection${d.pairs.length === 1 ? '' : 's'} folded into this edge, on ${esc(d.ports.map(portText).join(', ') || 'no port allowed')}.</p>${folded}<p class="muted">Double-click a folded box to open it and explain one connection.</p>`;
      return;
    }
    const others = d.pairs.length > 1 ? `<p class="muted">${d.pairs.length} connections merged in this edge; showing ${esc(pair.from)} → ${esc(pair.to)}.</p>` : '';
    const ports = pair.ports.map((x) => `<span class="port-tag" data-port="${x.port ?? x.from}" data-protocol="${x.protocol}">${portText(x)}</span>`).join('');
    const eks = marksOf(pair).map((m) => markText(m)).join('');
    pane.innerHTML = `<h2>${esc(pair.from)} → ${esc(pair.to)}</h2>${others}${eks}<div>${ports}</div><div id="explain-body"></div>${d.flows ? '<div id="flow-body"></div>' : ''}`;
    if (d.flows && window.podwallFlows) window.podwallFlows.showEdge($('#flow-body'), d);
    for (const tag of pane.querySelectorAll('.port-tag')) tag.addEventListener('click', () => explain(pair.from, pair.to, tag.dataset.port, tag.dataset.protocol));
    await explain(pair.from, pair.to, pair.ports[0].port ?? pair.ports[0].from, pair.ports[0].protocol);
  }

  /** An edge's marks of the other data plane (one, or a list). */
  function marksOf(pair) {
    return Array.isArray(pair.eks) ? pair.eks : pair.eks ? [pair.eks] : [];
  }

  function markText(m, prefix = '') {
    return `<p class="eks-mark">◆ ${esc(prefix)}On ${esc((m.ports ?? []).map(portText).join(', '))} the other data plane answers ${esc(m.other ?? m.verdict ?? 'otherwise')}${m.mechanisms?.length ? ` (${esc(m.mechanisms.join(', '))})` : ''}.</p>`;
  }

  async function explain(from, to, port, protocol) {
    const body = $('#explain-body');
    try {
      const r = await api(`/api/explain?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&port=${port}&protocol=${protocol}`);
      const cls = r.verdict.allowed ? 'verdict-allow' : 'verdict-deny';
      // a workload is all its pods: some pod pairs may be allowed and others not
      const word = r.verdict.outcome === 'mixed' ? 'PARTLY ALLOWED' : r.verdict.outcome === 'none' ? 'NO ENDPOINTS' : r.verdict.allowed ? 'ALLOWED' : 'DENIED';
      body.innerHTML = `<p class="${cls}">${word} on ${esc(port)}/${esc(protocol)}</p><pre>${esc(r.text)}</pre>`;
    } catch (e) {
      body.innerHTML = `<p class="verdict-deny">${esc(e.message)}</p>`;
    }
  }

  /** Sets one overlay (diff or flows) and redraws. */
  async function overlay(name, edges) {
    view.overlays[name] = edges;
    await draw();
  }

  function openAll(open) {
    view.open = open ? new Set(view.model.namespaces) : new Set();
    return draw();
  }

  /** Marks the drawn edges that carry any of these connections ({from, to}): what a live change opened. */
  function mark(connections) {
    const wanted = new Set((connections ?? []).map((c) => `${c.from}\u0000${c.to}`));
    cy.edges().forEach((e) => e.toggleClass('opened', (e.data('pairs') ?? []).some((p) => wanted.has(`${p.from}\u0000${p.to}`))));
  }

  window.podwallGraphView = { init, load, draw, overlay, openAll, mark, view, COLORS };
})();
