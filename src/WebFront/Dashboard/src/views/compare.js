// Several cities side by side (#/compare?cities=...): every valid city is compared, and each name that is not a city
// is listed with the API's suggestions, one click away.
import { api, esc, fmt, dateTime, labelCells } from "../api.js";
import { colorOf, std } from "../standards.js";
import { app } from "../state.js";
import { badge } from "./overview.js";

const DEFAULT = "Delhi, Mumbai, Bengaluru, Kolkata, Chennai";

export async function mountCompare(root, query) {
  const initial = query.get("cities") || DEFAULT;
  root.innerHTML = `
    <h1 tabindex="-1" class="view-title">Compare cities</h1>
    <section class="card">
      <form id="compare-form" class="search">
        <label for="compare-cities">Cities, separated by commas</label>
        <div class="row"><input id="compare-cities" value="${esc(initial)}" autocomplete="off"><button>Compare</button></div>
      </form>
      <div id="compare-errors" role="alert"></div>
      <div class="table-fit"><table id="comparison">
        <caption class="sr-only">Cities compared</caption>
        <thead><tr><th scope="col">City</th><th scope="col">AQI</th><th scope="col">24 h mean</th><th scope="col">24 h max</th><th scope="col">PM2.5 µg/m³</th><th scope="col">Trend</th><th scope="col">Forecast peak (24 h)</th></tr></thead>
        <tbody></tbody></table></div>
      <p class="note" id="compare-note"></p>
    </section>`;
  const $ = (id) => root.querySelector("#" + id);
  let disposed = false;

  async function run() {
    const cities = $("compare-cities").value;
    const body = $("comparison").tBodies[0];
    try {
      const c = await api(`/cities/compare?cities=${encodeURIComponent(cities)}&standard=${app.standard}`);
      if (disposed) return;
      body.innerHTML = c.cities.map((x) =>
        `<tr data-city="${esc(x.city_id)}"><th scope="row"><a href="#/city/${encodeURIComponent(x.city_id)}">${esc(x.city)}</a></th>` +
        `<td>${badge(x.aqi, x.aqi === null ? null : colorOf(x.aqi, app.standard))} <span class="cat">${esc(x.category)}</span></td>` +
        `<td>${fmt(x.last_24h.aqi_mean)}</td><td>${fmt(x.last_24h.aqi_max)}</td>` +
        `<td>${fmt(x.pm25, 1)}</td><td>${esc(x.trend.direction)}</td>` +
        `<td>${x.forecast_peak ? `${badge(x.forecast_peak.aqi, colorOf(x.forecast_peak.aqi, "in"))} India AQI, ${esc(dateTime(x.forecast_peak.time))}` : "–"}</td></tr>`).join("");
      $("compare-errors").innerHTML = (c.errors ?? []).map((e) =>
        `<p class="error" data-city="${esc(e.city)}">${esc(e.detail)}` +
        (e.suggestions?.length ? ` Did you mean ${e.suggestions.map((s) => `<button type="button" class="link-button" data-replace="${esc(e.city)}" data-with="${esc(s)}">${esc(s)}</button>`).join(", ")}?` : "") + "</p>").join("");
      labelCells(root);
      $("compare-note").textContent = `${c.count} compared in ${std(app.standard).name}; the forecast peak is of the India AQI forecast.`;
      history.replaceState(null, "", `#/compare?cities=${encodeURIComponent(cities)}`);
    } catch (err) {
      if (disposed) return;
      // A failed comparison shows no stale rows.
      body.innerHTML = "";
      $("compare-note").textContent = "";
      $("compare-errors").innerHTML = `<p class="error">${esc(err.message)}</p>`;
    }
  }

  $("compare-form").addEventListener("submit", (e) => { e.preventDefault(); run(); });
  $("compare-errors").addEventListener("click", (e) => {
    const b = e.target.closest("button[data-replace]");
    if (!b) return;
    const input = $("compare-cities");
    input.value = input.value.split(",").map((n) => (n.trim() === b.dataset.replace ? b.dataset.with : n.trim())).join(", ");
    run();
  });
  await run();
  return { refresh: () => run(), unmount() { disposed = true; } };
}
