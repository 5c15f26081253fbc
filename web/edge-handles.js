// podwall dashboard: every edge answers a click somewhere. edge-routes bends edges so that most
// midpoints are clear; here Cytoscape's own hit test (the one a click uses) checks each edge at its
// midpoint as drawn, turns a loop to another corner of its node when its midpoint is covered, and gives
// any edge that still does not answer a handle: a small dot on its curve, at a point no node or other
// click point covers (a click on a node wins over edges, so a dot needs room among nodes only).
// Deterministic: edges in id order. Each edge ends with data.hx/hy, the point that answers for it.
'use strict';

(function () {
  /** A handle's radius and the room it keeps from nodes and other click points, in screen pixels. */
  const HANDLE_PX = 5;
  const ROOM_PX = 3;
  /** The sides a loop may sit on (classes graph.js styles); each loop lists its own in data.loopDirs. */
  const LOOP_CLASSES = ['loop-n', 'loop-s', 'loop-nw', 'loop-ne'];
  const ROUNDS = 4;
  /** A click lands on whole pixels: a point answers for an edge only if the points this far around it do too. */
  const JITTER_PX = 2;

  /** The edge or handle a click at model point p would open, as an edge id. */
  function answer(cy, p) {
    const hit = cy.renderer().findNearestElement(p.x, p.y, true, false);
    if (!hit) return null;
    return hit.data('kind') === 'handle' ? hit.data('edge') : hit.id();
  }

  /** Does a click at p, or a little beside it (j model units), open edge `id`? */
  function answersFor(cy, p, id, j) {
    return [[0, 0], [j, 0], [-j, 0], [0, j], [0, -j]].every(([dx, dy]) => answer(cy, { x: p.x + dx, y: p.y + dy }) === id);
  }

  /** Points along the curve as Cytoscape draws it (its quadratic segments or lines), middle first. */
  function along(edge, whole = false) {
    edge.midpoint(); // has Cytoscape compute the geometry it draws and hit-tests
    const rs = edge._private.rscratch;
    const p = rs.allpts;
    if (!p || p.length < 4) return [];
    const quad = ['bezier', 'multibezier', 'self', 'compound'].includes(rs.edgeType) && p.length >= 6;
    const step = quad ? 4 : 2;
    const pts = [];
    for (let i = 0; i + step + 1 < p.length; i += step) {
      for (let k = 0; k < 12; k++) {
        const t = k / 12;
        if (quad) {
          const u = 1 - t;
          pts.push({ x: u * u * p[i] + 2 * u * t * p[i + 2] + t * t * p[i + 4], y: u * u * p[i + 1] + 2 * u * t * p[i + 3] + t * t * p[i + 5] });
        } else pts.push({ x: p[i] + t * (p[i + 2] - p[i]), y: p[i + 1] + t * (p[i + 3] - p[i + 1]) });
      }
    }
    if (whole) return pts;
    // not at the ends, where arrows and the nodes themselves are
    const inner = pts.slice(Math.ceil(pts.length * 0.12), Math.floor(pts.length * 0.88));
    const mid = (inner.length - 1) / 2;
    return inner.map((q, i) => ({ q, d: Math.abs(i - mid) })).sort((a, b) => a.d - b.d).map((x) => x.q);
  }

  const rectDistance = (p, b) => Math.hypot(Math.max(b.x1 - p.x, 0, p.x - b.x2), Math.max(b.y1 - p.y, 0, p.y - b.y2));

  /**
   * cy: the drawn graph (nodes with data.kind: box | workload | folded | outside | fan | handle).
   * Leaves handle nodes (kind 'handle', data.edge) where needed; sets data.hx, hy and clear on every edge.
   * Returns the ids of edges that found no point at all (none, unless the graph is absurdly dense).
   */
  function ensure(cy, classes = {}) {
    cy.nodes('[kind = "handle"]').remove();
    const zoom = cy.zoom();
    const r = HANDLE_PX / zoom;
    const room = ROOM_PX / zoom;
    const jitter = JITTER_PX / zoom;
    const edges = cy.edges().toArray().sort((a, b) => (a.id() < b.id() ? -1 : 1));
    // loops: the side where the loop's midpoint answers for it and lies farthest from the node's other
    // edges (an edge arriving where the loop sits would make both hard to tell apart)
    for (const e of edges.filter((x) => x.data('loop'))) {
      const dirs = e.data('loopDirs') ?? LOOP_CLASSES.slice(0, 1);
      const others = e.source().connectedEdges().filter((x) => x.id() !== e.id()).map((x) => along(x, true));
      let best = null;
      for (const c of dirs) {
        e.removeClass(LOOP_CLASSES.join(' ')).addClass(c);
        const m = e.midpoint();
        const space = Math.min(Infinity, ...others.map((pts) => Math.min(Infinity, ...pts.map((q) => Math.hypot(q.x - m.x, q.y - m.y)))));
        const score = (answersFor(cy, m, e.id(), jitter) ? 1e9 : 0) + Math.min(space, 1e8);
        if (!best || score > best.score) best = { c, score };
      }
      e.removeClass(LOOP_CLASSES.join(' ')).addClass(best.c);
    }
    const point = (e) => (e.data('handle') ? cy.$id(e.data('handle')).position() : e.midpoint());
    let missing = [];
    for (let round = 0; round < ROUNDS; round++) {
      missing = edges.filter((e) => !answersFor(cy, point(e), e.id(), jitter));
      if (!missing.length) break;
      // what a new dot must not cover: nodes that take clicks, and the points other edges answer at
      const blocks = cy.nodes('[kind != "box"]').map((n) => n.boundingBox({ includeLabels: false, includeOverlays: false }));
      const points = edges.filter((e) => !missing.includes(e)).map(point);
      for (const e of missing) {
        if (e.data('handle')) cy.$id(e.data('handle')).remove();
        // the best point along the curve: clear of nodes and of other click points; else nearer the nodes (a
        // dot may overlap a node's rim, the node stays clickable around it); else as far from other points as can be
        const scored = along(e).map((c) => ({ c, node: Math.min(Infinity, ...blocks.map((b) => rectDistance(c, b))), point: Math.min(Infinity, ...points.map((o) => Math.hypot(o.x - c.x, o.y - c.y))) }));
        const free = r + room;
        const widest = (list) => list.reduce((a, b) => (b.point > a.point ? b : a), list[0]);
        const q = (scored.find((x) => x.node > free && x.point > free) ?? scored.find((x) => x.node > 0.6 * r && x.point > free) ?? widest(scored.filter((x) => x.node > 0.6 * r)) ?? widest(scored))?.c;
        if (!q) {
          e.removeData('handle');
          continue;
        }
        const id = `handle:${e.id()}`;
        cy.add({ group: 'nodes', data: { id, kind: 'handle', edge: e.id(), label: '', w: 2 * r, h: 2 * r }, position: { x: q.x, y: q.y }, classes: classes[e.data('kind')] ?? '' });
        e.data('handle', id);
        const h = cy.$id(id);
        blocks.push(h.boundingBox({ includeLabels: false }));
        points.push(q);
      }
    }
    for (const e of edges) {
      const p = point(e);
      e.data({ hx: p.x, hy: p.y, clear: answersFor(cy, p, e.id(), jitter) });
    }
    return edges.filter((e) => !e.data('clear')).map((e) => e.id());
  }

  window.podwallHandles = { ensure, answer, answersFor, JITTER_PX };
})();
