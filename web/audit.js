// podwall dashboard: the audit view. KPI tiles with labels and what they mean; findings grouped by check
// and severity, each with its object, file:line, the remedy and the fix YAML (with a copy button); the
// trend of the KPIs for the cluster being served.
'use strict';

(function () {
  const { $, esc, api } = window.podwall;
  const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 };
  const pct = (v) => `${Math.round(v * 1000) / 10}%`;

  /** The KPI tiles: the server's labelled list, or the raw KPI object of an older server. */
  function kpiTiles(kpis) {
    // the server's values are ready to show: percentages as 0-100, a score as 0-100, counts, text
    if (Array.isArray(kpis)) return kpis.map((k) => ({ label: k.label, value: k.value === null || k.value === undefined ? 'n/a' : k.unit === '%' || k.unit === 'score' ? `${k.value}%` : String(k.value), help: k.help ?? '' }));
    const k = kpis;
    return [
      { label: 'Enforcement', value: k.enforcement, help: 'whether network policies are enforced on this cluster' },
      { label: 'Namespaces with default-deny ingress', value: pct(k.defaultDenyIngress), help: 'share of namespaces whose ingress is denied unless allowed' },
      { label: 'Namespaces with default-deny egress', value: pct(k.defaultDenyEgress), help: 'share of namespaces whose egress is denied unless allowed' },
      { label: 'Pods isolated for ingress', value: pct(k.podsIsolatedIngress), help: 'share of pods selected by an ingress policy' },
      { label: 'Pods isolated for egress', value: pct(k.podsIsolatedEgress), help: 'share of pods selected by an egress policy' },
      { label: 'Policies', value: k.policies, help: 'network policies of every tier' },
      { label: 'Stale policies', value: k.stalePolicies, help: 'policies that select no pod' },
      { label: 'Findings (error / warning / info)', value: `${k.findings.error} / ${k.findings.warning} / ${k.findings.info}`, help: 'audit findings by severity' },
      { label: 'CIS EKS score', value: k.cisScore === null || k.cisScore === undefined ? 'n/a' : `${k.cisScore}%`, help: 'share of the CIS Amazon EKS Benchmark controls podwall checks that pass' },
    ];
  }

  /** Groups: the server's, or built here from the raw findings. */
  function groupsOf(audit) {
    if (Array.isArray(audit.groups)) return audit.groups;
    const by = new Map();
    for (const f of audit.findings ?? []) {
      const key = `${f.severity}|${f.check}`;
      if (!by.has(key)) by.set(key, { check: f.check, severity: f.severity, title: f.check, count: 0, findings: [] });
      const g = by.get(key);
      g.count++;
      g.findings.push({ object: f.object, file: f.location?.file, line: f.location?.line, message: f.message, remedy: f.remedy, fix: f.fix });
    }
    return [...by.values()].sort((a, b) => (SEVERITY_ORDER[a.severity] ?? 3) - (SEVERITY_ORDER[b.severity] ?? 3) || (a.check < b.check ? -1 : 1));
  }

  /** docs/incidents.md: legitimate traffic a policy change blocked, and how long until it flowed again. */
  function incidentTile(i) {
    const label = 'Policy-caused incidents';
    if (!i) return { label, value: 'n/a', help: 'No flow summary recorded for this cluster: podwall flows summary --record, or watch --flows.' };
    const mttr = i.mttrSeconds === null || i.mttrSeconds === undefined ? 'no resolved incident yet' : `MTTR ${duration(i.mttrSeconds)}`;
    return { label, value: `${i.count} (${i.open} open)`, help: `${mttr}; from the latest flow summary recorded for this cluster${i.source ? ` (${i.source})` : ''}.` };
  }

  function duration(seconds) {
    if (seconds < 120) return `${seconds} s`;
    if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
    return `${Math.round(seconds / 360) / 10} h`;
  }

  function findingHtml(f, i) {
    const where = f.file ? `<code>${esc(f.file)}${f.line ? `:${f.line}` : ''}</code>` : '<span class="muted">no file (live object)</span>';
    const fix = f.fix ? `<details><summary>Fix YAML</summary><button class="copy" data-fix="${i}">Copy</button><pre class="fix" id="fix-${i}">${esc(f.fix)}</pre></details>` : '';
    return `<li><b>${esc(f.object)}</b> · ${where}<br>${esc(f.message)}<br><span class="remedy">Remedy: ${esc(f.remedy)}</span>${fix}</li>`;
  }

  async function load() {
    const summary = window.podwall.state.summary ?? {};
    const [audit, history] = await Promise.all([api('/api/audit'), summary.hasHistory === false ? Promise.resolve({ runs: [] }) : api('/api/history')]);
    $('#kpis').innerHTML = [...kpiTiles(audit.kpis), incidentTile(summary.incidents)]
      .map((t) => `<div class="tile" title="${esc(t.help)}"><div class="label">${esc(t.label)}</div><div class="value">${esc(t.value)}</div><div class="help muted">${esc(t.help)}</div></div>`)
      .join('');
    const scope = history.cluster ?? summary.cluster;
    $('#trend-scope').textContent = scope ? `Recorded audit runs of cluster ${scope} only. ${history.scopeNote ?? summary.scopeNote ?? ''}` : 'Recorded runs in the history database (the server does not say which cluster they belong to).';
    const runs = history.runs ?? [];
    const kpi = (r, id) => (Array.isArray(r.kpis) ? r.kpis.find((k) => k.id === id)?.value : r.kpis?.[id]);
    const series = [
      ['Namespaces with default-deny ingress', 'defaultDenyIngress', '#3a6fc4', (v) => v],
      ['Namespaces with default-deny egress', 'defaultDenyEgress', '#1f8a4c', (v) => v],
      ['Pods isolated for ingress', 'podsIsolatedIngress', '#c98a12', (v) => v],
      ['CIS EKS score', 'cisScore', '#7b2fbf', (v) => (v === null || v === undefined ? NaN : v / 100)],
    ];
    $('#trend').innerHTML = runs.length
      ? series.map(([name, id, color, f]) => window.podwallCharts.timeChart({ name, color, points: runs.map((r) => ({ at: r.at, y: f(kpi(r, id)) })) }, { percent: true })).join('')
      : '<p class="muted">No recorded runs yet: record some with <code>podwall audit --record</code>.</p>';
    let n = 0;
    const fixes = [];
    $('#findings').innerHTML = groupsOf(audit)
      .map((g) => {
        const items = g.findings.map((f) => {
          fixes.push(f.fix);
          return findingHtml(f, n++);
        });
        return `<details class="group" open><summary><span class="sev sev-${esc(g.severity)}">${esc(g.severity)}</span> <code>${esc(g.check)}</code> ${g.title && g.title !== g.check ? esc(g.title) : ''} <span class="muted">(${g.count ?? g.findings.length})</span></summary><ul>${items.join('')}</ul></details>`;
      })
      .join('') || '<p>No findings.</p>';
    for (const b of document.querySelectorAll('#findings button.copy')) {
      b.addEventListener('click', async () => {
        const text = fixes[Number(b.dataset.fix)] ?? '';
        try {
          await navigator.clipboard.writeText(text);
          b.textContent = 'Copied';
        } catch {
          // no clipboard permission (plain http elsewhere than localhost): select the text instead
          const range = document.createRange();
          range.selectNodeContents(document.getElementById(`fix-${b.dataset.fix}`));
          getSelection().removeAllRanges();
          getSelection().addRange(range);
          b.textContent = 'Selected: press Ctrl-C';
        }
      });
    }
  }

  window.podwallAudit = { load };
})();
