// The live dashboard: rankings, map, a city's history and forecast with its band, pollutants, models, comparison.
// Plain browser JavaScript over the public REST API (/api/v1) and the SignalR hub (/hubs/aqi).
"use strict";

// `no-cache`: answers carry max-age=60 for other clients, but a live page revalidates (a cheap 304 by ETag) so a
// pushed change shows at once.
const api = (path) => fetch("/api/v1" + path, { headers: { Accept: "application/json" }, cache: "no-cache" }).then(async (r) => {
  const body = await r.json().catch(() => null);
  if (!r.ok) throw new Error((body && (body.detail || body.title)) || r.statusText);
  return body;
});

const state = { standard: "in", catalog: [], rankings: [], selected: null, chartTarget: "aqi" };
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const fmt = (v, d = 0) => (v === null || v === undefined ? "–" : Number(v).toFixed(d));
const time = (iso) => new Date(iso).toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });

// Category colours of each standard (the API sends them too; the chart's background needs the whole scale).
const SCALES = {
  in: [[50, "#00B050"], [100, "#92D050"], [200, "#FFFF00"], [300, "#FF6500"], [400, "#FF0000"], [500, "#C00000"]],
  us: [[50, "#00E400"], [100, "#FFFF00"], [150, "#FF7E00"], [200, "#FF0000"], [300, "#8F3F97"], [500, "#7E0023"]],
};
const colorOf = (aqi, std = state.standard) => (SCALES[std].find(([hi]) => aqi <= hi) || SCALES[std][SCALES[std].length - 1])[1];
const badge = (aqi, color) => aqi === null || aqi === undefined ? "–" : `<span class="badge" style="background:${color || colorOf(aqi)}">${aqi}</span>`;

async function loadRankings() {
  const r = await api(`/cities/rankings?standard=${state.standard}`);
  state.rankings = r.rankings;
  $("rank-count").textContent = `(${r.count} cities)`;
  $("rankings").tBodies[0].innerHTML = r.rankings.map((x) =>
    `<tr data-city="${esc(x.city_id)}"><td>${x.rank}</td><td>${esc(x.city)}${x.simulated ? '<span class="tag sim">simulated</span>' : ""}</td>` +
    `<td>${badge(x.aqi, x.color)}${x.complete ? "" : '<span class="tag" title="minimum-data rules not met">provisional</span>'}</td>` +
    `<td>${esc(x.category)}</td><td>${esc(x.dominant_pollutant)}</td></tr>`).join("");
  drawMap();
}

function drawMap() {
  const W = 600, H = 640, lon0 = 67.5, lon1 = 98, lat0 = 6, lat1 = 37.5;
  const x = (lon) => ((lon - lon0) / (lon1 - lon0)) * W;
  const y = (lat) => H - ((lat - lat0) / (lat1 - lat0)) * H;
  const byId = new Map(state.rankings.map((r) => [r.city_id, r]));
  const outline = window.INDIA_OUTLINE.map(([lo, la]) => `${x(lo).toFixed(1)},${y(la).toFixed(1)}`).join(" ");
  const dots = state.catalog.map((c) => {
    const r = byId.get(c.id);
    const fill = r ? r.color : "#cbd5e1";
    const sel = state.selected === c.id ? " selected" : "";
    return `<circle class="city${sel}" data-city="${esc(c.id)}" cx="${x(c.longitude).toFixed(1)}" cy="${y(c.latitude).toFixed(1)}" r="${6 + Math.min(6, (c.stations || 0) / 6)}" fill="${fill}">` +
      `<title>${esc(c.name)}: ${r ? `${r.aqi} (${r.category})` : "no data"}</title></circle>`;
  }).join("");
  $("map").innerHTML = `<polygon class="outline" points="${outline}"/>${dots}`;
}

async function selectCity(id) {
  state.selected = id;
  drawMap();
  $("city").hidden = false;
  await loadCity();
}

async function loadCity() {
  const id = state.selected;
  if (!id) return;
  const [current, history, forecast, models] = await Promise.all([
    api(`/aqi/current/${id}?standard=${state.standard}`),
    api(`/aqi/history/${id}?hours=72&standard=in`),
    api(`/forecast/${id}?hours=48&target=${state.chartTarget}`),
    api(`/models/performance/${id}`).catch(() => null),
  ]);
  if (state.selected !== id) return;
  $("city-name").textContent = `${current.city}, ${current.state}`;
  $("city-summary").innerHTML =
    `<span class="big">${current.aqi ?? current.provisional_aqi ?? "–"}</span>` +
    `<span>${badge(current.aqi ?? current.provisional_aqi, current.color)} ${esc(current.category)}${current.complete ? "" : " (provisional)"}</span>` +
    `<span>PM2.5 ${fmt(current.pm25, 1)} µg/m³ · PM10 ${fmt(current.pm10, 1)} µg/m³</span>` +
    `<span>dominant ${esc(current.dominant_pollutant)}</span>` +
    `<span class="muted">${esc(current.table)} · ${time(current.timestamp)} · source ${esc(current.source)}${current.simulated ? '<span class="tag sim">simulated</span>' : ""}</span>` +
    `<label class="muted">chart <select id="chart-target"><option value="aqi">India AQI</option><option value="pm25">PM2.5</option></select></label>`;
  $("chart-target").value = state.chartTarget;
  $("chart-target").onchange = (e) => { state.chartTarget = e.target.value; loadCity(); };
  drawChart(history.readings, forecast);
  $("pollutants").tBodies[0].innerHTML = current.sub_indices.map((s) => {
    return `<tr><td>${esc(s.pollutant)}</td><td>–</td><td>${fmt(s.concentration, 2)} ${esc(s.unit)} (${esc(s.averaging)})</td>` +
      `<td>${badge(s.sub_index)}</td><td>${esc(current.source)}</td></tr>`;
  }).join("");
  api(`/aqi/pollutants/${id}?standard=${state.standard}`).then((p) => {
    if (state.selected !== id) return;
    $("pollutants").tBodies[0].innerHTML = p.pollutants.map((x) =>
      `<tr><td>${esc(x.name)}</td><td>${fmt(x.value, 2)} ${esc(x.unit)}</td><td>${x.averaged_concentration === null ? "–" : `${fmt(x.averaged_concentration, 2)} ${esc(x.averaged_unit)} (${esc(x.averaging)})`}</td>` +
      `<td>${badge(x.sub_index)}</td><td>${esc(x.source)}</td></tr>`).join("");
  }).catch(() => {});
  drawModels(models);
}

function drawChart(readings, forecast) {
  const W = 900, H = 300, L = 44, R = 10, T = 10, B = 28;
  const key = state.chartTarget === "aqi" ? "aqi" : "pm25";
  const past = readings.filter((r) => r[key] !== null && r[key] !== undefined).map((r) => ({ t: Date.parse(r.timestamp), v: r[key] }));
  const future = forecast.hours.map((h) => ({ t: Date.parse(h.time), v: h.value, lo: h.lower, hi: h.upper }));
  const all = past.concat(future);
  if (all.length === 0) { $("chart").innerHTML = ""; return; }
  const t0 = Math.min(...all.map((p) => p.t)), t1 = Math.max(...all.map((p) => p.t));
  const vmax = Math.max(50, ...all.map((p) => p.hi ?? p.v)) * 1.05;
  const x = (t) => L + ((t - t0) / Math.max(1, t1 - t0)) * (W - L - R);
  const y = (v) => T + (1 - v / vmax) * (H - T - B);
  let bg = "";
  if (key === "aqi") {
    let lo = 0;
    for (const [hi, c] of SCALES.in) {
      if (lo >= vmax) break;
      bg += `<rect x="${L}" y="${y(Math.min(hi, vmax))}" width="${W - L - R}" height="${y(lo) - y(Math.min(hi, vmax))}" fill="${c}" opacity=".12"/>`;
      lo = hi;
    }
  }
  const line = (pts) => pts.map((p, i) => `${i ? "L" : "M"}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join("");
  const band = future.length ? `M${future.map((p) => `${x(p.t).toFixed(1)},${y(p.hi).toFixed(1)}`).join("L")}L${future.slice().reverse().map((p) => `${x(p.t).toFixed(1)},${y(p.lo).toFixed(1)}`).join("L")}Z` : "";
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => vmax * f);
  const days = [];
  for (let t = Math.ceil(t0 / 864e5) * 864e5; t <= t1; t += 864e5) days.push(t);
  const nowX = past.length ? x(past[past.length - 1].t) : L;
  $("chart").innerHTML = bg +
    `<line class="axis" x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}"/><line class="axis" x1="${L}" y1="${T}" x2="${L}" y2="${H - B}"/>` +
    ticks.map((v) => `<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${Math.round(v)}</text>`).join("") +
    days.map((t) => `<text x="${x(t)}" y="${H - 8}" text-anchor="middle">${new Date(t).toLocaleDateString([], { month: "short", day: "numeric" })}</text>`).join("") +
    `<path class="band" d="${band}"/><path class="history" d="${line(past)}"/><path class="forecast" d="${line(future)}"/>` +
    `<line class="now" x1="${nowX}" y1="${T}" x2="${nowX}" y2="${H - B}"/>`;
  const m = forecast.model;
  $("chart-note").textContent = `${key === "aqi" ? "India AQI" : "PM2.5 (µg/m³)"}: last 72 h (solid) and the next 48 h (dashed) with its ${Math.round(forecast.level * 100)} % band. ` +
    `Forecast by ${m.family}${m.version ? ` v${m.version}` : ""}${m.baseline ? " (baseline)" : ""}: ${m.note}`;
}

function drawModels(models) {
  if (!models) { $("models").innerHTML = '<p class="muted">No model information.</p>'; return; }
  const reg = models.registry;
  $("models").innerHTML = reg.targets.map((t) => {
    const rows = (t.versions || []).slice(-8).reverse().map((v) =>
      `<tr><td>${esc(v.model)}${v.version === t.champion_version ? '<span class="tag">champion</span>' : ""}</td><td>v${v.version}</td>` +
      `<td>${fmt(v.metrics?.mae, 2)}</td><td>${fmt(v.metrics?.r2, 3)}</td><td>${v.trained_at ? time(v.trained_at) : "–"}</td></tr>`).join("");
    return `<h3>${esc(t.target)} <span class="muted">serving ${esc(t.champion)}${t.champion_version ? ` v${t.champion_version}` : ""}</span></h3>` +
      `<p class="note">${esc(t.champion_reason || "")}</p>` +
      (rows ? `<table><thead><tr><th>Model</th><th>Version</th><th>MAE</th><th>R²</th><th>Trained</th></tr></thead><tbody>${rows}</tbody></table>` : '<p class="muted">Training…</p>');
  }).join("") + `<p class="note">Retrained ${reg.retrains} time(s)${reg.training ? "; training now" : ""}.</p>`;
}

async function compare(e) {
  if (e) e.preventDefault();
  const cities = $("compare-cities").value;
  try {
    const c = await api(`/cities/compare?cities=${encodeURIComponent(cities)}&standard=${state.standard}`);
    $("compare-error").hidden = true;
    $("comparison").tBodies[0].innerHTML = c.cities.map((x) =>
      `<tr data-city="${esc(x.city_id)}"><td>${esc(x.city)}</td><td>${badge(x.aqi)}</td><td>${fmt(x.last_24h.aqi_mean)}</td><td>${fmt(x.last_24h.aqi_max)}</td>` +
      `<td>${fmt(x.pm25, 1)}</td><td>${esc(x.trend.direction)}</td>` +
      `<td>${x.forecast_peak ? `${badge(x.forecast_peak.aqi, colorOf(x.forecast_peak.aqi, "in"))} ${time(x.forecast_peak.time)}` : "–"}</td></tr>`).join("");
  } catch (err) {
    $("compare-error").hidden = false;
    $("compare-error").textContent = err.message;
  }
}

// Live updates: every change of a city arrives over SignalR; redraws are batched so a poll wave costs one refresh.
let pending = null;
function scheduleRefresh(cityId) {
  if (cityId === state.selected || cityId === "*") state.selectedDirty = true;
  if (pending) return;
  pending = setTimeout(async () => {
    pending = null;
    await loadRankings().catch(() => {});
    if (state.selectedDirty) { state.selectedDirty = false; await loadCity().catch(() => {}); }
  }, 1000);
}

function setLive(on, text) {
  $("live").className = "live " + (on ? "on" : "off");
  $("live").textContent = text;
}

async function connect() {
  if (!window.signalR) {
    setLive(false, "polling");
    setInterval(() => scheduleRefresh("*"), 60000);
    return;
  }
  const hub = new signalR.HubConnectionBuilder().withUrl("/hubs/aqi").withAutomaticReconnect([0, 2000, 5000, 10000, 30000]).build();
  hub.on("cityChanged", (change) => scheduleRefresh(change.city_id));
  hub.onreconnecting(() => setLive(false, "reconnecting…"));
  hub.onreconnected(async () => { await hub.invoke("Subscribe", "*"); setLive(true, "live"); scheduleRefresh("*"); });
  try {
    await hub.start();
    await hub.invoke("Subscribe", "*");
    setLive(true, "live");
  } catch {
    setLive(false, "offline, retrying");
    setTimeout(connect, 5000);
  }
}

function onRowClick(e) {
  const row = e.target.closest("[data-city]");
  if (row) selectCity(row.dataset.city);
}

async function start() {
  const catalog = await api("/cities/");
  state.catalog = catalog.cities;
  $("standard").onchange = (e) => { state.standard = e.target.value; loadRankings(); loadCity(); compare(); };
  $("rankings").addEventListener("click", onRowClick);
  $("comparison").addEventListener("click", onRowClick);
  $("map").addEventListener("click", onRowClick);
  $("compare-form").addEventListener("submit", compare);
  await loadRankings();
  compare();
  connect();
}

start().catch((err) => { document.body.insertAdjacentHTML("afterbegin", `<p class="error">Could not load: ${esc(err.message)}</p>`); });
