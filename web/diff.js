// podwall dashboard: the proposed policy set against the current one, on the graph (connections it adds
// in green and dashed, connections it removes in brown and dotted) and in a table, each with the
// explanation before and after. Only asked for when the server was started with --proposed.
'use strict';

(function () {
  const { $, esc, api } = window.podwall;
  const { portText } = window.podwallModel;
  let diff;

  const text = (x) => (x && typeof x === 'object' ? x.text : x) ?? '';

  async function get() {
    diff ??= await api('/api/diff');
    return diff;
  }

  /** The diff as overlay edges for the graph. */
  async function edges() {
    const d = await get();
    return d.changes.map((c) => ({ from: c.from, to: c.to, ports: c.ports, kind: c.change === 'newly-allowed' ? 'added' : 'removed', before: c.before, after: c.after, somePods: c.somePods }));
  }

  function changeHtml(c) {
    const added = c.kind === 'added' || c.change === 'newly-allowed';
    return `<h3>${added ? 'Added' : 'Removed'}: ${esc(c.from)} → ${esc(c.to)}</h3><p>${esc((c.ports ?? []).map(portText).join(', '))}${c.somePods ? ' (some pods)' : ''}</p><div class="before-after"><div><h4>Now</h4><pre>${esc(text(c.before))}</pre></div><div><h4>With the proposal</h4><pre>${esc(text(c.after))}</pre></div></div>`;
  }

  /** A clicked diff edge: both explanations of each change it carries. */
  function showChange(pane, pairs) {
    pane.innerHTML = `<h2>Proposed change</h2>${pairs.map(changeHtml).join('')}`;
  }

  async function load() {
    const d = await get();
    if (!d.changes.length) {
      $('#diff').innerHTML = '<p>The proposed policies change no connection.</p>';
      return;
    }
    $('#diff').innerHTML = `<p>${d.newlyAllowed} connections added, ${d.newlyDenied} removed by the proposed policies. They are drawn on the graph too (tick “Proposed changes”).</p><table class="diff-table"><thead><tr><th>change</th><th>from</th><th>to</th><th>ports</th><th>now</th><th>with the proposal</th></tr></thead><tbody>${d.changes
      .map((c) => `<tr><td class="${c.change === 'newly-allowed' ? 'change-added' : 'change-removed'}">${c.change === 'newly-allowed' ? 'added' : 'removed'}</td><td>${esc(c.from)}</td><td>${esc(c.to)}</td><td>${esc(c.ports.map(portText).join(', '))}${c.somePods ? ' (some pods)' : ''}</td><td><pre>${esc(text(c.before))}</pre></td><td><pre>${esc(text(c.after))}</pre></td></tr>`)
      .join('')}</tbody></table>`;
  }

  window.podwallDiff = { edges, load, showChange };
})();
