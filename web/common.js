// podwall dashboard: the little every view shares. Plain browser JavaScript over the read-only JSON API;
// every request goes to the server that sent the page, nothing else.
'use strict';

(function () {
  const $ = (sel) => document.querySelector(sel);
  const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

  /** GET a JSON answer; a non-2xx answer becomes an Error with the server's message and status. `options.signal` aborts it. */
  async function api(path, options = {}) {
    const res = await fetch(path, options.signal ? { signal: options.signal } : undefined);
    let body;
    try {
      body = await res.json();
    } catch {
      body = {};
    }
    if (!res.ok) {
      const e = new Error(body.error || `HTTP ${res.status}`);
      e.status = res.status;
      throw e;
    }
    return body;
  }

  /** Times as the reader's clock shows them, to the minute. */
  const when = (iso) => {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? String(iso) : d.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  };

  window.podwall = { $, esc, api, when, state: { summary: null } };
})();
