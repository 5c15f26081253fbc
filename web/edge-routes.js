// podwall dashboard: every edge clickable at its midpoint. An edge is a quadratic curve (Cytoscape's
// unbundled-bezier, one control point, distances from the node centres); its midpoint must lie on no box
// and on no other edge, or a click there would open something else. Each edge starts straight and bends
// further out, one way then the other, until its midpoint is clear. Deterministic: edges in id order.
'use strict';

(function () {
  const STEP = 16; // how far each try moves the control point
  const TRIES = 30;
  const WEIGHTS = [0.5, 0.8, 0.2, 0.65, 0.35];
  const SAMPLES = 16; // points per curve when measuring how close another edge passes

  /** Where the line from a box's centre towards (tx, ty) leaves the box. */
  function exit(box, tx, ty) {
    const dx = tx - box.x;
    const dy = ty - box.y;
    if (dx === 0 && dy === 0) return { x: box.x, y: box.y };
    const s = Math.min(dx === 0 ? Infinity : box.width / 2 / Math.abs(dx), dy === 0 ? Infinity : box.height / 2 / Math.abs(dy));
    return s >= 1 ? { x: box.x, y: box.y } : { x: box.x + dx * s, y: box.y + dy * s };
  }

  /** The curve Cytoscape draws for control-point distance d at weight w (its normal: (-dy, dx) / length). */
  function curve(src, tgt, d, w = 0.5) {
    const dx = tgt.x - src.x;
    const dy = tgt.y - src.y;
    const l = Math.hypot(dx, dy) || 1;
    const c = { x: src.x + w * dx - (dy / l) * d, y: src.y + w * dy + (dx / l) * d };
    const a = exit(src, c.x, c.y);
    const b = exit(tgt, c.x, c.y);
    const at = (t) => ({ x: (1 - t) * (1 - t) * a.x + 2 * t * (1 - t) * c.x + t * t * b.x, y: (1 - t) * (1 - t) * a.y + 2 * t * (1 - t) * c.y + t * t * b.y });
    const points = [];
    for (let i = 0; i <= SAMPLES; i++) points.push(at(i / SAMPLES));
    // a control point inside an end box leaves Cytoscape no curve to draw (and nothing to click)
    const inside = (box) => Math.abs(c.x - box.x) <= box.width / 2 + 4 && Math.abs(c.y - box.y) <= box.height / 2 + 4;
    return { mid: at(0.5), points, drawable: !inside(src) && !inside(tgt) };
  }

  const segmentDistance = (p, a, b) => {
    const vx = b.x - a.x;
    const vy = b.y - a.y;
    const len = vx * vx + vy * vy;
    const t = len === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - a.x) * vx + (p.y - a.y) * vy) / len));
    return Math.hypot(p.x - (a.x + t * vx), p.y - (a.y + t * vy));
  };
  const curveDistance = (p, pts) => {
    let best = Infinity;
    for (let i = 1; i < pts.length; i++) best = Math.min(best, segmentDistance(p, pts[i - 1], pts[i]));
    return best;
  };

  /**
   * edges: [{id, source, target}]; boxes: Map id -> {x, y, width, height} of every node edges may meet
   * or cross (leaves: workloads, peers, folded namespaces); clearance: {box, edge}, how far (model units)
   * a midpoint stays from boxes and from other edges. A click goes to the node under it, else to the
   * nearest edge, so a midpoint off every box and a little off every other edge is this edge's.
   * Returns Map id -> {distance, mid, clear}.
   */
  function route(edges, boxes, { box: clearance, edge: edgeClearance }) {
    const sorted = [...edges].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const leaves = [...boxes.values()];
    // a grid of boxes, so a midpoint is checked against its neighbours only
    const cell = 200;
    const grid = new Map();
    const key = (i, j) => `${i},${j}`;
    for (const b of leaves) {
      for (let i = Math.floor((b.x - b.width / 2 - clearance) / cell); i <= Math.floor((b.x + b.width / 2 + clearance) / cell); i++) {
        for (let j = Math.floor((b.y - b.height / 2 - clearance) / cell); j <= Math.floor((b.y + b.height / 2 + clearance) / cell); j++) {
          if (!grid.has(key(i, j))) grid.set(key(i, j), []);
          grid.get(key(i, j)).push(b);
        }
      }
    }
    const onBox = (p) => (grid.get(key(Math.floor(p.x / cell), Math.floor(p.y / cell))) ?? []).some((b) => Math.abs(p.x - b.x) <= b.width / 2 + clearance && Math.abs(p.y - b.y) <= b.height / 2 + clearance);
    const chosen = new Map();
    // curves by the grid cells their segments cross, so a midpoint meets only the curves near it
    const curves = new Map();
    const cellsOf = (pts) => {
      const keys = new Set();
      for (let i = 1; i < pts.length; i++) {
        const a = pts[i - 1];
        const b = pts[i];
        for (let x = Math.floor((Math.min(a.x, b.x) - edgeClearance) / cell); x <= Math.floor((Math.max(a.x, b.x) + edgeClearance) / cell); x++) {
          for (let y = Math.floor((Math.min(a.y, b.y) - edgeClearance) / cell); y <= Math.floor((Math.max(a.y, b.y) + edgeClearance) / cell); y++) keys.add(key(x, y));
        }
      }
      return keys;
    };
    const keep = (id, r) => {
      chosen.set(id, r);
      r.cells = cellsOf(r.points);
      for (const k of r.cells) {
        if (!curves.has(k)) curves.set(k, new Set());
        curves.get(k).add(id);
      }
    };
    const drop = (id) => {
      for (const k of chosen.get(id)?.cells ?? []) curves.get(k)?.delete(id);
      chosen.delete(id);
    };
    const near = (p, self, within = edgeClearance) => {
      for (const id of curves.get(key(Math.floor(p.x / cell), Math.floor(p.y / cell))) ?? []) {
        if (id !== self && curveDistance(p, chosen.get(id).points) < within) return true;
      }
      return false;
    };
    const pick = (e) => {
      const src = boxes.get(e.source);
      const tgt = boxes.get(e.target);
      if (!src || !tgt) return;
      let first;
      let fallback; // off every box, and off other edges by a little: a click there still finds this edge nearest
      // the midpoint moves sideways with the bend, and along the edge with the weight (away from a hub
      // where many edges crowd, towards the quieter end)
      for (let k = 0; k < TRIES; k++) {
        const d = k === 0 ? 0 : Math.ceil(k / 2) * STEP * (k % 2 ? 1 : -1);
        for (const w of WEIGHTS) {
          const c = curve(src, tgt, d, w);
          if (!c.drawable) continue;
          const r = { distance: d, weight: w, mid: c.mid, points: c.points, clear: !onBox(c.mid) && !near(c.mid, e.id) };
          first ??= r;
          if (r.clear) return keep(e.id, r);
          if (!fallback && !onBox(c.mid) && !near(c.mid, e.id, edgeClearance / 3)) fallback = { ...r, clear: true };
        }
      }
      // nothing clear within reach: the near miss, else bend much further out, else straight and said so
      if (!fallback) {
        for (let k = TRIES; k < 3 * TRIES && !fallback; k++) {
          const d = Math.ceil(k / 2) * STEP * (k % 2 ? 1 : -1);
          for (const w of WEIGHTS) {
            const c = curve(src, tgt, d, w);
            if (c.drawable && !onBox(c.mid) && !near(c.mid, e.id, edgeClearance / 3)) {
              fallback = { distance: d, weight: w, mid: c.mid, points: c.points, clear: true };
              break;
            }
          }
        }
      }
      if (!first) {
        const c = curve(src, tgt, 0, 0.5);
        first = { distance: 0, weight: 0.5, mid: c.mid, points: c.points, clear: false };
      }
      keep(e.id, fallback ?? first);
    };
    for (const e of sorted) pick(e);
    // a later curve may pass over an earlier midpoint: look again, a few rounds
    for (let round = 0; round < 3; round++) {
      let moved = false;
      for (const e of sorted) {
        const r = chosen.get(e.id);
        if (!r || (!onBox(r.mid) && !near(r.mid, e.id, edgeClearance / 3))) continue;
        drop(e.id);
        pick(e);
        moved = true;
      }
      if (!moved) break;
    }
    return chosen;
  }

  window.podwallRoutes = { route, curve };
})();
