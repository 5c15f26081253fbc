// podwall dashboard: small line charts drawn as SVG, one per series (small multiples), so no series can
// hide another; the x axis is time, with dated ticks, and every chart is titled by what it shows.
'use strict';

(function () {
  const { esc } = window.podwall;
  const DAY = 86_400_000;

  /** Tick dates between t0 and t1: about four, on whole days. */
  function ticks(t0, t1) {
    if (t1 <= t0) return [t0];
    const span = t1 - t0;
    const step = Math.max(DAY, Math.ceil(span / 4 / DAY) * DAY);
    const first = Math.ceil(t0 / DAY) * DAY;
    const out = [];
    for (let t = first; t <= t1; t += step) out.push(t);
    return out.length ? out : [t0];
  }

  /**
   * series: {name, color, points: [{at (ISO date), y}]}; opts: {percent, unit}. Returns SVG markup with a
   * title (the legend), a y axis with its unit and an x axis of dates.
   */
  function timeChart(series, opts = {}) {
    const width = opts.width ?? 360;
    const height = opts.height ?? 170;
    const pts = series.points.map((p) => ({ t: Date.parse(p.at), y: p.y })).filter((p) => Number.isFinite(p.t) && Number.isFinite(p.y)).sort((a, b) => a.t - b.t);
    if (pts.length === 0) return `<figure class="chart-box"><figcaption>${esc(series.name)}</figcaption><p class="muted">No data recorded.</p></figure>`;
    const left = 44;
    const right = 14;
    const top = 10;
    const bottom = 34;
    let t0 = pts[0].t;
    let t1 = pts[pts.length - 1].t;
    if (t0 === t1) {
      t0 -= DAY;
      t1 += DAY;
    }
    const max = opts.percent ? 1 : Math.max(1, ...pts.map((p) => p.y));
    const x = (t) => left + ((t - t0) / (t1 - t0)) * (width - left - right);
    const y = (v) => top + (1 - v / max) * (height - top - bottom);
    const fmt = (v) => (opts.percent ? `${Math.round(v * 100)}%` : `${Math.round(v)}${opts.unit ? ` ${opts.unit}` : ''}`);
    const grid = [0, 0.5, 1]
      .map((f) => `<line x1="${left}" x2="${width - right}" y1="${y(f * max)}" y2="${y(f * max)}" stroke="#e5e8ec"/><text x="${left - 6}" y="${y(f * max) + 4}" text-anchor="end" font-size="10" fill="#6b7480">${fmt(f * max)}</text>`)
      .join('');
    // a date near either end is anchored inward, so it is not cut off by the chart's edge
    const xt = ticks(t0, t1)
      .map((t) => `<line x1="${x(t)}" x2="${x(t)}" y1="${height - bottom}" y2="${height - bottom + 4}" stroke="#9aa5b1"/><text x="${x(t)}" y="${height - bottom + 16}" text-anchor="${x(t) > width - right - 30 ? 'end' : x(t) < left + 30 ? 'start' : 'middle'}" font-size="10" fill="#6b7480">${new Date(t).toISOString().slice(0, 10)}</text>`)
      .join('');
    const line = pts.map((p) => `${x(p.t).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ');
    const dots = pts.map((p) => `<circle cx="${x(p.t).toFixed(1)}" cy="${y(p.y).toFixed(1)}" r="3" fill="${series.color}"><title>${esc(series.name)} ${new Date(p.t).toISOString().slice(0, 16).replace('T', ' ')}: ${fmt(p.y)}</title></circle>`).join('');
    const axis = `<line x1="${left}" x2="${width - right}" y1="${height - bottom}" y2="${height - bottom}" stroke="#9aa5b1"/>`;
    return `<figure class="chart-box"><figcaption><span class="swatch" style="background:${series.color}"></span>${esc(series.name)}</figcaption><svg class="chart" width="${width}" height="${height}" role="img" aria-label="${esc(series.name)} over time">${grid}${axis}${xt}<polyline fill="none" stroke="${series.color}" stroke-width="2" points="${line}"/>${dots}<text x="${(left + width - right) / 2}" y="${height - 4}" text-anchor="middle" font-size="10" fill="#6b7480">date (UTC)</text></svg></figure>`;
  }

  window.podwallCharts = { timeChart };
})();
