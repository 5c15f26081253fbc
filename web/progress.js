// podwall dashboard: what a slow answer has got to. A heavy view (on EKS a large cluster's folded graph takes
// minutes) is asked as any other; if it has not come after SHOW_AFTER_MS, the page asks the server how far it
// has got (/api/progress, twice a second) and shows the phase, the figures and a bar, or what it waits behind,
// until the answer comes. A request given up (the reader asked something else) is aborted: the server then stops
// computing it when nobody else waits for it.
'use strict';

(function () {
  const { esc, api } = window.podwall;
  const SHOW_AFTER_MS = 1000;
  const POLL_MS = 500;
  const number = (n) => Number(n).toLocaleString('en');

  /** A question in words, as the reader chose it. */
  function named(question) {
    const url = new URL(question, location.origin);
    const q = url.searchParams;
    const filters = [q.get('port') ? `port ${q.get('port')}` : '', q.get('protocol') ?? ''].filter(Boolean).join(' ');
    const on = filters ? ` (${filters})` : '';
    if (url.pathname === '/api/graph') return q.get('namespace') ? `the graph of namespace ${q.get('namespace')}${on}` : `the graph of every namespace${on}`;
    if (url.pathname === '/api/denied') return `what is denied for ${q.get('workload')}`;
    if (url.pathname === '/api/diff') return 'the proposed changes';
    return question;
  }

  function figures(p) {
    if (!p) return '';
    return p.total > 0 ? `${p.phase}: ${number(p.done)} of ${number(p.total)} ${p.unit}` : `${p.phase}…`;
  }

  /** The box's content for one answer of /api/progress. */
  function render(el, path, r) {
    const bar = (p) => (p && p.total > 0 ? `<progress max="${p.total}" value="${p.done}"></progress>` : '<progress></progress>');
    if (r.state === 'computing') {
      el.innerHTML = `<b>Computing ${esc(named(path))}</b> <span class="muted">${esc(r.seconds)} s</span><br><span class="figures">${esc(figures(r.progress) || 'started')}</span>${bar(r.progress)}`;
    } else if (r.state === 'waiting') {
      const first = r.behind[0];
      const more = r.behind.length > 1 ? ` and ${r.behind.length - 1} more` : '';
      el.innerHTML = `<b>Waiting for ${esc(first ? named(first.question) : 'another question')}${esc(more)}</b> <span class="muted">${esc(r.seconds)} s</span><br><span class="muted">before ${esc(named(path))} is computed (the server computes one at a time)</span>${first?.progress ? `<br><span class="figures">${esc(figures(first.progress))}</span>${bar(first.progress)}` : ''}`;
    } else if (r.state === 'answered') {
      el.innerHTML = `<b>${esc(named(path))}: answered, drawing…</b>`;
    } else return;
    el.hidden = false;
  }

  /**
   * GET a heavy answer (as podwall.api), showing in `el` how far it has got once it takes more than a second.
   * `signal` aborts it (an AbortError is thrown).
   */
  async function ask(path, el, signal) {
    let stopped = false;
    let timer;
    const poll = async () => {
      if (stopped) return;
      try {
        const r = await api(`/api/progress?of=${encodeURIComponent(path)}`, { signal });
        if (!stopped) render(el, path, r);
      } catch {
        // the next poll tries again; the answer itself says what went wrong
      }
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    };
    timer = setTimeout(poll, SHOW_AFTER_MS);
    try {
      return await api(path, { signal });
    } finally {
      stopped = true;
      clearTimeout(timer);
      el.hidden = true;
      el.innerHTML = '';
    }
  }

  window.podwallProgress = { ask, named };
})();
