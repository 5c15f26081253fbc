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

  /** The phase and its figures; which phase of how many, since each phase's bar starts from nothing again. */
  function figures(p) {
    if (!p) return '';
    const step = p.steps > 1 ? ` (step ${p.step} of ${p.steps})` : '';
    return p.total > 0 ? `${p.phase}: ${number(p.done)} of ${number(p.total)} ${p.unit}${step}` : `${p.phase}…${step}`;
  }

  /** A duration to come, as roughly as it can be known. */
  function roughly(ms) {
    const s = ms / 1000;
    if (s < 10) return 'a few seconds';
    if (s < 90) return `about ${Math.round(s / 5) * 5} s`;
    return `about ${Math.round(s / 60)} min`;
  }

  /**
   * What is left of the phase under way, at the pace the page has seen it go (from the first report of this
   * phase it saw): nothing until the phase has moved for a second. `seen` keeps that first report between polls.
   */
  function left(p, seen, now) {
    if (!p || !(p.total > 0)) return '';
    const phase = `${p.step ?? ''}:${p.phase}`;
    if (seen.phase !== phase || p.done < seen.done) Object.assign(seen, { phase, done: p.done, at: now });
    const moved = p.done - seen.done;
    const ms = now - seen.at;
    if (moved <= 0 || ms < 1000) return '';
    return `${roughly(((p.total - p.done) * ms) / moved)} left${p.steps > 1 && p.step < p.steps ? ' in this step' : ''}`;
  }

  /** The box's content for one answer of /api/progress. */
  function render(el, path, r, seen = {}, now = Date.now()) {
    const bar = (p) => (p && p.total > 0 ? `<progress max="${p.total}" value="${p.done}"></progress>` : '<progress></progress>');
    const figuresOf = (p) => {
      const rest = left(p, seen, now);
      return `<span class="figures">${esc(figures(p) || 'started')}</span>${rest ? ` <span class="muted">· ${esc(rest)}</span>` : ''}`;
    };
    // the server counts from when it began computing, which may be before this page asked (the first graph is
    // computed as soon as the server starts)
    if (r.state === 'computing') {
      el.innerHTML = `<b>Computing ${esc(named(path))}</b> <span class="muted">started ${esc(Math.round(r.seconds))} s ago</span><br>${figuresOf(r.progress)}${bar(r.progress)}`;
    } else if (r.state === 'waiting') {
      const first = r.behind[0];
      const more = r.behind.length > 1 ? ` and ${r.behind.length - 1} more` : '';
      el.innerHTML = `<b>Waiting for ${esc(first ? named(first.question) : 'another question')}${esc(more)}</b> <span class="muted">asked ${esc(Math.round(r.seconds))} s ago</span><br><span class="muted">before ${esc(named(path))} is computed (the server computes one at a time)</span>${first?.progress ? `<br>${figuresOf(first.progress)}${bar(first.progress)}` : ''}`;
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
    const seen = {};
    const poll = async () => {
      if (stopped) return;
      try {
        const r = await api(`/api/progress?of=${encodeURIComponent(path)}`, { signal });
        if (!stopped) render(el, path, r, seen);
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

  window.podwallProgress = { ask, named, render };
})();
