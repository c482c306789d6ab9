// A city's page (#/city/{id}): headline AQI with health advice, the outlook, the chart, pollutant cards and the
// models that forecast it.
import { api, esc, fmt, dateTime, labelCells } from "../api.js";
import { drawChart } from "../chart.js";
import { outlook } from "../outlook.js";
import { AVERAGING, POLLUTANTS, categoryOf, colorOf, inkOn, pollutantName, std, unit, usAqiOfPm25 } from "../standards.js";
import { app } from "../state.js";
import { modelsHtml } from "./models.js";
import { qualityHtml } from "./quality.js";
import advice from "../data/health-advice.json";

/** The API's own health statement when it gives one (any of the shapes it may take), else null. */
function apiAdvice(current) {
  const h = current.health ?? current.health_advice ?? current.health_statement ?? current.advice;
  if (!h) return null;
  if (typeof h === "string") return { text: h, source: current.health_source ?? null };
  return { text: h.statement ?? h.text ?? h.advice ?? h.message ?? null, source: h.source ?? h.authority ?? null };
}

export async function mountCity(root, id) {
  root.innerHTML = `<p class="muted">Loading…</p>`;
  let disposed = false, target = "aqi", onResize = null;

  async function load() {
    const code = app.standard;
    const s = std(code);
    const [current, pollutants, models] = await Promise.all([
      api(`/aqi/current/${encodeURIComponent(id)}?standard=${code}`),
      api(`/aqi/pollutants/${encodeURIComponent(id)}?standard=${code}`).catch(() => null),
      api(`/models/performance/${encodeURIComponent(id)}`).catch(() => null),
    ]);
    // The forecast in the standard shown: India AQI is forecast directly; the US AQI from the PM2.5 forecast.
    const fTarget = target === "pm25" || code === "us" ? "pm25" : "aqi";
    const [history, forecast] = await Promise.all([
      api(`/aqi/history/${encodeURIComponent(id)}?hours=72&standard=${code}`),
      api(`/forecast/${encodeURIComponent(id)}?hours=48&target=${fTarget}`).catch(() => null),
    ]);
    if (disposed) return;
    app.lastCity = current.city_id;
    const aqi = current.aqi ?? current.provisional_aqi;
    const color = aqi === null || aqi === undefined ? "#e5e7eb" : colorOf(aqi, code);
    const cat = current.category ?? categoryOf(aqi, code)?.name ?? "no reading yet";
    const given = apiAdvice(current);
    const fallback = advice[code]?.categories?.[cat];
    const adviceHtml = given?.text
      ? `<p class="advice">${esc(given.text)}</p>${given.source ? `<p class="note">Source: ${esc(given.source)}</p>` : ""}`
      : fallback ? `<p class="advice">${esc(fallback)}</p><p class="note">Source: <a href="${esc(advice[code].url)}">${esc(advice[code].source)}</a></p>` : "";

    const toAqi = (v) => (fTarget === "pm25" && target === "aqi" ? usAqiOfPm25(v) : v);
    const future = forecast ? forecast.hours.map((h) => ({ t: Date.parse(h.time), v: toAqi(h.value), lo: toAqi(h.lower), hi: toAqi(h.upper) })) : [];
    const key = target === "aqi" ? "aqi" : "pm25";
    const span = root.clientWidth < 560 ? 24 : 72;
    const lastT = history.readings.length ? Date.parse(history.readings[history.readings.length - 1].timestamp) : Date.now();
    const past = history.readings.filter((r) => r[key] !== null && r[key] !== undefined && Date.parse(r.timestamp) > lastT - span * 36e5)
      .map((r) => ({ t: Date.parse(r.timestamp), v: r[key] }));
    const days = forecast ? outlook(forecast.hours.map((h) => ({ t: Date.parse(h.time), v: code === "us" ? usAqiOfPm25(h.value) : h.value,
      lo: code === "us" ? usAqiOfPm25(h.lower) : h.lower, hi: code === "us" ? usAqiOfPm25(h.upper) : h.upper })), forecast.level, code, lastT) : [];

    const m = forecast?.model;
    const version = m?.version ? ` ${modelVersionLabel(models, fTarget, m.version)}` : "";
    const seriesName = target === "aqi" ? s.short : "PM2.5 (µg/m³)";
    const basis = target === "aqi" && code === "us" ? " The US AQI forecast is the PM2.5 sub-index of the PM2.5 forecast." : "";

    root.innerHTML = `
      <nav class="crumbs" aria-label="Breadcrumb"><a href="#/">All cities</a> › <span aria-current="page">${esc(current.city)}</span></nav>
      <h1 tabindex="-1" class="view-title">${esc(current.city)} <span class="muted">${esc(current.state)}</span></h1>
      <section class="card headline" aria-label="Current air quality">
        <div class="big" style="background:${color};color:${inkOn(color)}"><span class="num">${aqi ?? "–"}</span><span class="unit">${esc(s.short)}</span></div>
        <div class="what">
          <p class="cat">${esc(cat)}${current.complete ? "" : ' <span class="tag" title="minimum-data rules not met">provisional</span>'}</p>
          ${adviceHtml}
          <p class="meta">Main pollutant ${esc(pollutantName(current.dominant_pollutant))} · ${esc(dateTime(current.timestamp))} · ${esc(s.name)} (${esc(current.table)}) · source ${esc(current.source)}${current.simulated ? ' <span class="tag sim">simulated</span>' : ""}</p>
        </div>
      </section>
      <section class="card" id="quality" aria-labelledby="quality-title">
        <h2 id="quality-title">Data quality</h2>
        ${qualityHtml(current.quality)}
      </section>
      <section class="card" aria-labelledby="outlook-title">
        <h2 id="outlook-title">Outlook</h2>
        <ol class="outlook">${days.map((d) => d.hours === 0 ? `<li class="day"><h3>${d.name}</h3><p class="muted">not forecast yet</p></li>` :
          `<li class="day" data-category="${esc(d.category.name)}"><h3>${d.name}</h3>` +
          `<p class="dcat"><span class="swatch" style="background:${d.category.color}"></span>${esc(d.category.name)}</p>` +
          `<p class="prob">${Math.round(d.probability * 100)} % likely</p><p class="note">${s.short} about ${d.value} · ${d.hours} h forecast</p></li>`).join("")}</ol>
        <p class="note">Each day's category is that of the mean of its forecast hours (IST); the chance comes from the forecast's ${forecast ? Math.round(forecast.level * 100) : 90} % prediction bands, read as a spread in log scale.</p>
      </section>
      <section class="card" aria-labelledby="chart-title">
        <div class="card-head"><h2 id="chart-title">Last ${span} hours and next 48</h2>
          <fieldset class="toggle"><legend class="sr-only">Chart shows</legend>
            <label><input type="radio" name="chart-target" value="aqi" ${target === "aqi" ? "checked" : ""}> ${esc(s.short)}</label>
            <label><input type="radio" name="chart-target" value="pm25" ${target === "pm25" ? "checked" : ""}> PM2.5</label>
          </fieldset></div>
        <div id="chart" class="chart-box"></div>
        <p class="note" id="chart-note">${esc(seriesName)} in ${esc(s.name)} categories: measured (solid) and forecast (dashed) with its ${forecast ? Math.round(forecast.level * 100) : 90} % band; times in IST.${basis}
          ${m ? ` Forecast by ${esc(m.family.replace(/_/g, " "))}${esc(version)}${m.baseline ? " (baseline)" : ""}: ${esc(m.note)}` : " No forecast yet."}</p>
      </section>
      <section class="card" aria-labelledby="pollutants-title">
        <h2 id="pollutants-title">Pollutants</h2>
        <ul class="pollutants">${(pollutants?.pollutants ?? []).map((p) => pollutantCard(p, code)).join("")}</ul>
        <p class="note">Latest hour's value; the sub-index uses the average over the standard's period.</p>
      </section>
      <section class="card" aria-labelledby="models-title">
        <h2 id="models-title">How this forecast is made</h2>
        <div id="models">${modelsHtml(models)}</div>
      </section>`;
    const chartData = { past, future, code, target, label: `${seriesName}, measured and forecast` };
    drawChart(root.querySelector("#chart"), chartData);
    labelCells(root.querySelector("#models"));
    if (onResize) window.removeEventListener("resize", onResize);
    onResize = () => drawChart(root.querySelector("#chart"), chartData);
    window.addEventListener("resize", onResize);
    root.querySelectorAll('input[name="chart-target"]').forEach((r) => r.addEventListener("change", (e) => { target = e.target.value; load().catch(showError); }));
  }

  function showError(err) {
    if (disposed) return;
    const suggestions = err.problem?.suggestions ?? [];
    root.innerHTML = `<h1 tabindex="-1" class="view-title">${err.status === 404 ? "Unknown city" : "Could not load the city"}</h1>` +
      `<p class="error">${esc(err.message)}</p>` +
      (suggestions.length ? `<p>Did you mean ${suggestions.map((n) => `<a href="#/city/${encodeURIComponent(n)}">${esc(n)}</a>`).join(", ")}?</p>` : "") +
      `<p><a href="#/">All cities</a></p>`;
  }

  await load().catch(showError);
  return {
    refresh: (cityId) => (cityId === "*" || cityId === app.lastCity ? load().catch(() => {}) : null),
    unmount() { disposed = true; if (onResize) window.removeEventListener("resize", onResize); },
  };
}

function pollutantCard(p, code) {
  const c = p.sub_index === null || p.sub_index === undefined ? null : colorOf(p.sub_index, code);
  return `<li class="pollutant" data-pollutant="${esc(p.pollutant)}">
    <h3 title="${esc(POLLUTANTS[p.pollutant]?.long ?? "")}">${esc(pollutantName(p.pollutant))}</h3>
    <p class="value">${fmt(p.value, p.pollutant === "co" ? 2 : 1)} <span class="u">${esc(unit(p.unit))}</span></p>
    <p class="sub">${c ? `<span class="badge" style="background:${c};color:${inkOn(c)}">${p.sub_index}</span> sub-index` : "no sub-index"}</p>
    <p class="note">${p.averaged_concentration === null || p.averaged_concentration === undefined ? "not enough hours to average" :
      `${esc(AVERAGING[p.averaging] ?? p.averaging)} ${fmt(p.averaged_concentration, p.pollutant === "co" ? 2 : 1)} ${esc(unit(p.averaged_unit))}`}</p>
  </li>`;
}

/** A registry version as its target's own number ("v2 of PM2.5"), since registry numbers run across targets. */
export function modelVersionLabel(models, target, version) {
  const t = models?.registry?.targets?.find((x) => x.target === target);
  const list = (t?.versions ?? []).map((v) => v.version).sort((a, b) => a - b);
  const i = list.indexOf(version);
  return i < 0 ? `#${version}` : `v${i + 1}`;
}
