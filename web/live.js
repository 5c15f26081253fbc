// podwall dashboard: a live cluster's changes as they happen. Subscribes to the server's event stream
// (only when the summary says the cluster is live), redraws the graph and lists each change with its time.
/* global EventSource */
'use strict';

(function () {
  const { $, esc, when } = window.podwall;

  function start(onChange) {
    const source = new EventSource('/api/events');
    const list = $('#live-list');
    $('#live').hidden = false;
    source.addEventListener('change', async (ev) => {
      let c;
      try {
        c = JSON.parse(ev.data);
      } catch {
        return;
      }
      const items = [
        ...(c.opened ?? []).map((e) => `<li class="opened">opened ${esc(e.from)} → ${esc(e.to)}</li>`),
        ...(c.closed ?? []).map((e) => `<li class="closed">closed ${esc(e.from)} → ${esc(e.to)}</li>`),
        ...(c.policies ?? []).map((p) => `<li>${esc(p.action)} ${esc(p.kind)} ${esc(p.namespace ? `${p.namespace}/` : '')}${esc(p.name)}</li>`),
      ];
      list.insertAdjacentHTML('afterbegin', `<li><b>${esc(when(c.at))}</b><ul>${items.join('') || '<li class="muted">no connection changed</li>'}</ul></li>`);
      await onChange(c);
    });
    source.onerror = () => {
      $('#live-state').textContent = 'reconnecting…';
    };
    source.onopen = () => {
      $('#live-state').textContent = 'connected';
    };
  }

  window.podwallLive = { start };
})();
