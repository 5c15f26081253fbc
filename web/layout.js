// podwall dashboard: where boxes go. ELK's layered algorithm places workloads inside their namespace
// boxes, then the boxes (and folded namespaces) beside each other; it is deterministic, so the same graph
// gives the same picture on every load. Nothing here touches the page: a graph in, positions out.
/* global ELK */
'use strict';

(function () {
  const FONT = '11px system-ui, -apple-system, "Segoe UI", sans-serif';
  const TITLE_FONT = 'bold 12px system-ui, -apple-system, "Segoe UI", sans-serif';
  /** An edge's label, as graph.js draws it. */
  const EDGE_FONT = '9px system-ui, -apple-system, "Segoe UI", sans-serif';
  /** Beside a label between two boxes: its background, and the arrow at the target's end. */
  const LABEL_MARGIN = 28;
  const canvas = document.createElement('canvas').getContext('2d');
  const textWidth = (text, font) => {
    canvas.font = font;
    return Math.ceil(canvas.measureText(text).width);
  };
  // one layout engine for the page; the bundled build runs in the page itself (no worker, no request)
  const elk = new ELK();

  /** The size a workload or outside peer needs to show its name inside its box. */
  function leafSize(label) {
    return { width: Math.max(46, textWidth(label, FONT) + 18), height: 26 };
  }

  /** What a box's title needs. */
  function titleWidth(label) {
    return textWidth(label, TITLE_FONT) + 24;
  }

  /** Top-level boxes up to which the namespaces themselves are layered by their calls. */
  const ROOT_LAYERED = 12;

  const base = {
    'elk.algorithm': 'layered',
    // names are wide and boxes short: layers stacked downwards keep a namespace compact
    'elk.direction': 'DOWN',
    'elk.edgeRouting': 'POLYLINE',
    'elk.layered.spacing.nodeNodeBetweenLayers': '44',
    'elk.spacing.nodeNode': '18',
    'elk.spacing.componentComponent': '34',
    'elk.aspectRatio': '1.7',
    'elk.separateConnectedComponents': 'true',
    'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
    'elk.randomSeed': '1',
  };

  /**
   * groups: [{id, label, children:[{id, label}], edges:[{id, source, target}]}] (an open box with what is
   * inside), leaves: [{id, label, lines}] (a folded namespace, a box of its own), edges between top-level
   * ids, with the labels of the edges each stands for (`labels`). Everything is sorted by id first so that input order cannot change the picture.
   * Returns Map id -> {x, y, width, height} (centre and size, absolute).
   */
  async function place({ groups, leaves, edges }) {
    const byId = (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    const children = [];
    for (const g of [...groups].sort(byId)) {
      const kids = [...g.children].sort(byId).map((c) => ({ id: c.id, ...leafSize(c.label) }));
      children.push({
        id: g.id,
        layoutOptions: {
          ...base,
          'elk.padding': '[top=34,left=14,bottom=14,right=14]',
          'elk.nodeSize.constraints': 'MINIMUM_SIZE',
          'elk.nodeSize.minimum': `(${titleWidth(g.label)}, 60)`,
          'elk.contentAlignment': 'H_CENTER V_TOP',
        },
        children: kids,
        edges: [...g.edges].sort(byId).map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
      });
    }
    // a fan's pill (graph-model) right after its hub, so that packing in rows keeps them side by side
    const pills = leaves.filter((l) => l.fan);
    for (const l of leaves.filter((x) => !x.fan).sort(byId)) {
      const lines = l.lines ?? [l.label];
      children.push({ id: l.id, width: Math.max(90, ...lines.map((t) => titleWidth(t))), height: 22 + 16 * lines.length });
      for (const p of pills.filter((x) => x.hub === l.id)) children.push({ id: p.id, ...leafSize(p.label) });
    }
    for (const p of pills.filter((x) => !children.some((c) => c.id === x.id))) children.push({ id: p.id, ...leafSize(p.label) });
    const known = new Set(children.map((c) => c.id));
    // a few boxes: layered, so calls read left to right; many: packed in rows by name, since layering a
    // long ring of namespaces (each calling the next) costs minutes and draws a line hundreds long
    const layered = children.length <= ROOT_LAYERED;
    // two folded boxes side by side leave their edges' labels room between them: a short edge's label would
    // otherwise be drawn under the boxes (a folded namespace calling its neighbour on "8080/TCP, 9090/TCP"); edges
    // of open boxes run between workloads inside them, through the boxes' margins, and leave the spacing as it was
    const folded = new Set(leaves.map((l) => l.id));
    const betweenFolded = edges.filter((e) => folded.has(e.source) && folded.has(e.target));
    const widest = Math.max(0, ...betweenFolded.flatMap((e) => e.labels ?? []).map((l) => textWidth(l, EDGE_FONT)));
    const between = Math.max(60, widest + LABEL_MARGIN);
    const root = {
      id: 'root',
      layoutOptions: layered
        ? { ...base, 'elk.direction': 'RIGHT', 'elk.spacing.nodeNode': '36', 'elk.layered.spacing.nodeNodeBetweenLayers': String(between), 'elk.padding': '[top=20,left=20,bottom=20,right=20]' }
        : { 'elk.algorithm': 'rectpacking', 'elk.aspectRatio': '1.6', 'elk.spacing.nodeNode': '72', 'elk.padding': '[top=20,left=20,bottom=20,right=20]' },
      children,
      edges: [...edges].filter((e) => known.has(e.source) && known.has(e.target) && e.source !== e.target).sort(byId).map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
    };
    const out = await elk.layout(root);
    const boxes = new Map();
    const walk = (node, dx, dy) => {
      for (const c of node.children ?? []) {
        const x = dx + c.x;
        const y = dy + c.y;
        boxes.set(c.id, { x: x + c.width / 2, y: y + c.height / 2, width: c.width, height: c.height });
        walk(c, x, y);
      }
    };
    walk(out, 0, 0);
    return boxes;
  }

  window.podwallLayout = { place, leafSize, FONT, TITLE_FONT };
})();
