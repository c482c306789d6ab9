// A city's last hours and the forecast with its band, drawn at the pixel width of its container (so its text keeps
// its size on a phone), in the selected standard: the category edges are the value ticks and colour the background,
// the time axis shows hours (IST) with the date under each midnight, and a labelled line marks now.
import { esc, hourMinute, dayMonth } from "./api.js";
import { std } from "./standards.js";

// PM2.5 breakpoints of each standard (µg/m³, 24-hour): the ticks and bands of a PM2.5 chart.
const PM25_EDGES = {
  in: [30, 60, 90, 120, 250, 380],
  us: [9, 35.4, 55.4, 125.4, 225.4, 325.4],
};

/**
 * @param {HTMLElement} box container; the SVG fills its width
 * @param {{past: {t:number, v:number}[], future: {t:number, v:number, lo:number, hi:number}[], code: string, target: "aqi"|"pm25", label: string}} d
 */
export function drawChart(box, d) {
  const width = Math.max(280, Math.round(box.clientWidth || 600));
  const narrow = width < 560;
  const H = narrow ? 230 : 290, L = 40, R = 12, T = 22, B = 40;
  const all = d.past.concat(d.future);
  if (all.length === 0) { box.innerHTML = '<p class="muted">No hours to show yet.</p>'; return; }
  const t0 = all[0].t, t1 = all[all.length - 1].t;
  const cats = std(d.code).categories;
  const edges = d.target === "aqi" ? cats.map((c) => c.hi) : PM25_EDGES[d.code];
  // The scale follows the values; a wide band is cut at the top rather than squashing the lines (at most the AQI's
  // 500, or twice the highest PM2.5 value).
  const maxV = Math.max(...all.map((p) => p.v));
  const maxHi = Math.max(...all.map((p) => p.hi ?? p.v));
  const peak = Math.max(maxV * 1.1, Math.min(maxHi, d.target === "aqi" ? 500 : maxV * 2));
  const top = edges.find((e) => e >= peak) ?? Math.ceil(peak * 1.05);
  const x = (t) => L + ((t - t0) / Math.max(1, t1 - t0)) * (width - L - R);
  const y = (v) => T + (1 - Math.min(v, top) / top) * (H - T - B);
  const f = (n) => n.toFixed(1);

  let bands = "", lo = 0;
  edges.forEach((hi, i) => {
    if (lo >= top) return;
    const h = Math.min(hi, top);
    bands += `<rect class="cat" x="${L}" y="${f(y(h))}" width="${width - L - R}" height="${f(y(lo) - y(h))}" fill="${cats[i].color}"/>`;
    lo = hi;
  });
  const ticks = [0, ...edges.filter((e) => e <= top)];
  if (!ticks.includes(top)) ticks.push(top);
  const yTicks = ticks.map((v) => `<g class="ytick" data-value="${v}"><line x1="${L - 4}" x2="${width - R}" y1="${f(y(v))}" y2="${f(y(v))}"/>` +
    `<text x="${L - 6}" y="${f(y(v) + 4)}" text-anchor="end">${Math.round(v * 10) / 10}</text></g>`).join("");

  const step = (narrow ? 12 : 6) * 36e5;
  const xTicks = [];
  // Ticks on whole IST hours (UTC+5:30).
  const ist = 5.5 * 36e5;
  for (let t = Math.ceil((t0 + ist) / step) * step - ist; t <= t1; t += step) {
    const midnight = hourMinute(t) === "00:00";
    xTicks.push(`<g class="xtick"><line x1="${f(x(t))}" x2="${f(x(t))}" y1="${H - B}" y2="${H - B + 4}"/>` +
      `<text x="${f(x(t))}" y="${H - B + 16}" text-anchor="middle">${hourMinute(t)}</text>` +
      (midnight ? `<text class="date" x="${f(x(t))}" y="${H - B + 31}" text-anchor="middle">${esc(dayMonth(t))}</text>` : "") + "</g>");
  }

  const line = (pts) => pts.map((p, i) => `${i ? "L" : "M"}${f(x(p.t))},${f(y(p.v))}`).join("");
  const band = d.future.length
    ? `M${d.future.map((p) => `${f(x(p.t))},${f(y(p.hi))}`).join("L")}L${d.future.slice().reverse().map((p) => `${f(x(p.t))},${f(y(p.lo))}`).join("L")}Z`
    : "";
  const nowT = d.past.length ? d.past[d.past.length - 1].t : t0;
  const nx = x(nowT);
  box.innerHTML = `<svg class="chart" width="${width}" height="${H}" viewBox="0 0 ${width} ${H}" role="img" aria-label="${esc(d.label)}">` +
    `<g class="bands">${bands}</g><g class="grid">${yTicks}</g>` +
    `<line class="axis" x1="${L}" y1="${H - B}" x2="${width - R}" y2="${H - B}"/>${xTicks.join("")}` +
    `<path class="band" d="${band}"/><path class="history" d="${line(d.past)}"/><path class="forecast" d="${line(d.future.length && d.past.length ? [d.past[d.past.length - 1], ...d.future] : d.future)}"/>` +
    `<line class="now" x1="${f(nx)}" y1="${T - 4}" x2="${f(nx)}" y2="${H - B}"/>` +
    `<text class="now-label" x="${f(nx)}" y="${T - 8}" text-anchor="middle">now ${hourMinute(nowT)}</text></svg>`;
}
