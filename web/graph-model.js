// podwall dashboard: from the API's graph to what the page draws. Decides which namespaces are open
// (what fits a readable page) and which are folded into one box, merges edges between the visible ends,
// and carries each edge's verdict, EKS mark, flow counts and diff change. Pure: no page, no requests.
'use strict';

(function () {
  /** Workloads drawn open at once; beyond this namespaces fold (and the page says so). */
  const OPEN_BUDGET = 90;
  /** Peers outside drawn one by one up to this many; more fold into one box. */
  const OUTSIDE_BUDGET = 40;
  const OUTSIDE = '(outside)';
  /** Above this many edges, a node's edges of one kind and direction are bundled into a fan when there are at least FAN_MIN. */
  const FAN_GRAPH = 40;
  const FAN_MIN = 10;

  const portText = (p) => `${p.from === p.to ? p.from : `${p.from}-${p.to}`}/${p.protocol}`;
  const samePort = (p, q) => p.from === q.from && p.to === q.to && p.protocol === q.protocol;

  /** A short label: every port of every protocol reads "any port", every port of one protocol "any TCP". */
  function portsLabel(ports) {
    const whole = (p) => p.from <= 1 && p.to >= 65535;
    const protos = new Set(ports.filter(whole).map((p) => p.protocol));
    if (protos.size === 3) return 'any port';
    const rest = ports.filter((p) => !(whole(p) && protos.has(p.protocol)));
    const parts = [...[...protos].sort().map((p) => `any ${p}`), ...rest.map(portText)];
    return parts.slice(0, 3).join(', ') + (parts.length > 3 ? ` +${parts.length - 3}` : '');
  }

  /** Namespaces to open: the focused one first, then by name, while the budget lasts. */
  function autoOpen(namespaces, counts, focus) {
    const open = new Set();
    let used = 0;
    const order = [...namespaces].sort((a, b) => (a === focus ? -1 : b === focus ? 1 : a < b ? -1 : a > b ? 1 : 0));
    for (const ns of order) {
      const n = counts.get(ns) ?? 0;
      if (ns !== focus && used + n > OPEN_BUDGET) continue;
      open.add(ns);
      used += n;
    }
    return open;
  }

  /**
   * data: the /api/graph answer; opts: {open?: Set (the user's choice), focus?: namespace, overlay?: [{from,
   * to, ports, kind: 'denied'|'added'|'removed'|'flow', ...}]}. Returns {groups, leaves, edges (top level),
   * nodes, drawn (edges to draw), folded: [namespaces], open: Set, level}.
   */
  function build(data, opts = {}) {
    const serverFolded = data.level === 'namespace';
    const nodesById = new Map(data.nodes.map((n) => [n.id, n]));
    // a namespace the server folded (every namespace above its limit, or the others around a focus)
    const isNamespace = (n) => n?.kind === 'Namespace';
    const nsOf = (id) => {
      const n = nodesById.get(id);
      if (isNamespace(n)) return n.id;
      if (n) return n.outside || n.kind === 'Outside' ? OUTSIDE : n.namespace;
      const slash = id.indexOf('/');
      return slash > 0 && !id.startsWith('node/') ? id.slice(0, slash) : OUTSIDE;
    };
    const counts = new Map();
    const serverNs = new Set(data.nodes.filter(isNamespace).map((n) => n.id));
    for (const n of data.nodes) if (nsOf(n.id) !== OUTSIDE) counts.set(nsOf(n.id), (counts.get(nsOf(n.id)) ?? 0) + (isNamespace(n) ? 0 : 1));
    const namespaces = [...counts.keys()].sort();
    const outsideNodes = data.nodes.filter((n) => nsOf(n.id) === OUTSIDE);
    const open = serverFolded ? new Set() : new Set([...(opts.open ?? autoOpen(namespaces.filter((n) => !serverNs.has(n)), counts, opts.focus))].filter((n) => !serverNs.has(n)));
    const outsideOpen = outsideNodes.length <= OUTSIDE_BUDGET;

    const leaves = [];
    const groups = [];
    const nodes = []; // every drawn node: {id, kind, label, group?, ...}
    for (const ns of namespaces) {
      if (open.has(ns)) {
        const children = data.nodes.filter((n) => nsOf(n.id) === ns).map((n) => ({ id: n.id, label: n.name }));
        groups.push({ id: `ns:${ns}`, label: ns, children, edges: [] });
        nodes.push({ id: `ns:${ns}`, kind: 'box', label: ns, namespace: ns });
        for (const n of data.nodes.filter((x) => nsOf(x.id) === ns)) nodes.push({ id: n.id, kind: 'workload', label: n.name, group: `ns:${ns}`, namespace: ns, pods: n.pods, workloadKind: n.kind });
      } else {
        const folded = serverNs.has(ns);
        const pods = folded ? nodesById.get(ns)?.pods ?? 0 : data.nodes.filter((x) => nsOf(x.id) === ns).reduce((s, x) => s + (x.pods ?? 0), 0);
        const name = nodesById.get(ns)?.name ?? ns;
        const lines = folded ? [ns === 'other-ns' ? name : ns, `${pods} pods`] : [ns, `${counts.get(ns)} workloads, folded`];
        leaves.push({ id: `ns:${ns}`, label: ns, lines });
        nodes.push({ id: `ns:${ns}`, kind: 'folded', label: lines.join('\n'), namespace: ns, lines });
      }
    }
    if (outsideNodes.length) {
      if (outsideOpen) {
        groups.push({ id: `ns:${OUTSIDE}`, label: `${OUTSIDE}: outside the pod network`, children: outsideNodes.map((n) => ({ id: n.id, label: n.name })), edges: [] });
        nodes.push({ id: `ns:${OUTSIDE}`, kind: 'box', label: `${OUTSIDE}: outside the pod network`, namespace: OUTSIDE });
        for (const n of outsideNodes) nodes.push({ id: n.id, kind: 'outside', label: n.name, group: `ns:${OUTSIDE}`, namespace: OUTSIDE, outside: n.outside });
      } else {
        const lines = [OUTSIDE, `${outsideNodes.length} peers, folded`];
        leaves.push({ id: `ns:${OUTSIDE}`, label: OUTSIDE, lines });
        nodes.push({ id: `ns:${OUTSIDE}`, kind: 'folded', label: lines.join('\n'), namespace: OUTSIDE, lines });
      }
    }

    // the drawn end of an API node id: itself when its box is open, else its folded box
    const end = (id) => {
      const ns = nsOf(id);
      if (ns === OUTSIDE) return outsideOpen ? id : `ns:${OUTSIDE}`;
      return open.has(ns) ? id : `ns:${ns}`;
    };
    const drawnIds = new Set(nodes.map((n) => n.id));
    const merged = new Map();
    const add = (e, kind) => {
      const source = end(e.from);
      const target = end(e.to);
      // source === target stays: a workload (or a folded namespace) whose pods may talk among themselves is a loop
      if (!drawnIds.has(source) || !drawnIds.has(target)) return;
      const id = `${kind}:${source}->${target}`;
      let m = merged.get(id);
      if (!m) merged.set(id, (m = { id, source, target, kind, ports: [], pairs: [], verdict: 'allowed', weight: 0, eks: false, flows: null, loop: source === target }));
      for (const p of e.ports ?? []) if (!m.ports.some((q) => samePort(p, q))) m.ports.push(p);
      m.pairs.push(e);
      m.weight += e.weight ?? 1;
      if (e.verdict === 'partial' || (e.ports ?? []).some((p) => p.partial)) m.verdict = 'partial';
      if (Array.isArray(e.eks) ? e.eks.length : e.eks) m.eks = true;
      if (e.flows || e.allowed !== undefined) {
        m.flows ??= { allowed: 0, denied: 0 };
        m.flows.allowed += e.flows?.allowed ?? e.allowed ?? 0;
        m.flows.denied += e.flows?.denied ?? e.denied ?? 0;
      }
    };
    for (const e of data.edges) add(e, e.change === 'added' ? 'added' : e.change === 'removed' ? 'removed' : e.verdict === 'denied' ? 'flow' : 'allowed');
    for (const e of opts.overlay ?? []) add(e, e.kind);
    const all = [...merged.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    for (const d of all) markLabel(d, portsLabel(d.ports));
    const { drawn, fans } = bundleFans(all, nodes);

    // ELK's view: edges inside one open box are laid out with it, the rest between top-level boxes
    const groupOf = new Map(nodes.filter((n) => n.group).map((n) => [n.id, n.group]));
    const topEdges = new Map();
    for (const d of drawn) {
      if (d.loop) continue; // a loop takes no place of its own
      const gs = groupOf.get(d.source) ?? d.source;
      const gt = groupOf.get(d.target) ?? d.target;
      if (gs === gt) groups.find((g) => g.id === gs)?.edges.push({ id: d.id, source: d.source, target: d.target });
      else if (!topEdges.has(`${gs}->${gt}`)) topEdges.set(`${gs}->${gt}`, { id: `${gs}->${gt}`, source: gs, target: gt, labels: [d.drawnLabel] });
      else topEdges.get(`${gs}->${gt}`).labels.push(d.drawnLabel);
    }
    const folded = leaves.map((l) => l.label);
    // a fan's pill sits beside its hub: in the hub's box, or among the top-level boxes right after it
    for (const f of fans) {
      const g = groups.find((x) => x.id === f.group);
      if (g) g.children.push({ id: f.id, label: f.label, fan: true });
      else leaves.push({ id: f.id, label: f.label, hub: f.hub, fan: true });
    }
    return { level: data.level, groups, leaves, edges: [...topEdges.values()], nodes, drawn, all, fans, folded, open, namespaces, outsideOpen };
  }

  /**
   * An edge's label: its ports (`label`), and as drawn (`drawnLabel`) after the mark ◆ when EKS and the
   * specification disagree on it. A label is drawn on the edge's middle, where the mark is, and its background
   * would hide the mark: the drawn label carries it instead (graph.js drops the diamond while the label shows).
   */
  function markLabel(edge, label) {
    edge.label = label;
    edge.drawnLabel = edge.eks ? `◆ ${label}` : label;
  }

  /**
   * Fans: on a large graph, a node with many edges of one kind in one direction (DNS reached by every
   * workload, monitoring scraping every namespace) gets them as one edge to a small pill ("← 251
   * namespaces"), so that they do not cross the whole picture; a click on it lists every connection.
   * Largest fans first, an edge in one fan at most, loops never. Adds the pills to `nodes`.
   */
  function bundleFans(all, nodes) {
    if (all.length <= FAN_GRAPH) return { drawn: all, fans: [] };
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const candidates = new Map();
    for (const e of all) {
      if (e.loop) continue;
      for (const [dir, hub] of [['out', e.source], ['in', e.target]]) {
        const k = `${dir}\u0000${e.kind}\u0000${hub}`;
        if (!candidates.has(k)) candidates.set(k, { dir, kind: e.kind, hub, edges: [] });
        candidates.get(k).edges.push(e);
      }
    }
    const cmp = (x, y) => (x < y ? -1 : x > y ? 1 : 0);
    const order = [...candidates.values()].filter((c) => c.edges.length >= FAN_MIN).sort((a, b) => b.edges.length - a.edges.length || cmp(a.hub, b.hub) || cmp(a.dir, b.dir) || cmp(a.kind, b.kind));
    const taken = new Set();
    const fans = [];
    for (const c of order) {
      const members = c.edges.filter((e) => !taken.has(e.id));
      if (members.length < FAN_MIN) continue;
      for (const e of members) taken.add(e.id);
      const ends = members.map((e) => (c.dir === 'out' ? e.target : e.source));
      const kinds = { workload: 0, folded: 0, outside: 0 };
      for (const id of ends) kinds[byId.get(id)?.kind === 'folded' ? 'folded' : byId.get(id)?.kind === 'outside' ? 'outside' : 'workload']++;
      const words = [[kinds.workload, 'workload'], [kinds.folded, 'namespace'], [kinds.outside, 'peer']].filter(([n]) => n > 0).map(([n, w]) => `${n} ${w}${n === 1 ? '' : 's'}`);
      const id = `fan:${c.dir}:${c.kind}:${c.hub}`;
      const hubNode = byId.get(c.hub);
      const label = `${c.dir === 'out' ? '→' : '←'} ${words.join(', ')}`;
      const pill = { id, kind: 'fan', label, hub: c.hub, dir: c.dir, edgeKind: c.kind, ends, ...(hubNode?.group ? { group: hubNode.group, namespace: hubNode.namespace } : {}) };
      nodes.push(pill);
      const ports = [];
      for (const e of members) for (const p of e.ports) if (!ports.some((q) => samePort(p, q))) ports.push(p);
      const edge = {
        id: `${c.kind}:${c.dir === 'out' ? `${c.hub}->${id}` : `${id}->${c.hub}`}`,
        source: c.dir === 'out' ? c.hub : id,
        target: c.dir === 'out' ? id : c.hub,
        kind: c.kind,
        ports,
        pairs: members.flatMap((e) => e.pairs),
        members,
        fan: { dir: c.dir, hub: c.hub, ends },
        verdict: members.some((e) => e.verdict === 'partial') ? 'partial' : members[0].verdict,
        weight: members.reduce((s, e) => s + e.weight, 0),
        eks: members.some((e) => e.eks),
        flows: members.some((e) => e.flows) ? { allowed: members.reduce((s, e) => s + (e.flows?.allowed ?? 0), 0), denied: members.reduce((s, e) => s + (e.flows?.denied ?? 0), 0) } : null,
        loop: false,
      };
      markLabel(edge, portsLabel(ports));
      fans.push({ id, hub: c.hub, group: hubNode?.group, label, edge });
    }
    const drawn = [...all.filter((e) => !taken.has(e.id)), ...fans.map((f) => f.edge)].sort((a, b) => (a.id < b.id ? -1 : 1));
    return { drawn, fans };
  }

  window.podwallModel = { build, portText, portsLabel, OUTSIDE, OPEN_BUDGET };
})();
