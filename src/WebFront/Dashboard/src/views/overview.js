// The overview: search, the map with its legend, and the rankings. While cities are still starting (rankings with
// fewer cities than the catalog) it says so and refreshes itself until every city has reported.
import { api, esc } from "../api.js";
import { IndiaMap, loadTopology, legendHtml } from "../map.js";
import { colorOf, inkOn, pollutantName, std } from "../standards.js";
import { app } from "../state.js";

const TOP = 10;

export function badge(aqi, color) {
  if (aqi === null || aqi === undefined) return '<span class="badge none">–</span>';
  return `<span class="badge" style="background:${color};color:${inkOn(color)}">${aqi}</span>`;
}

export async function mountOverview(root) {
  root.innerHTML = `
    <h1 tabindex="-1" class="view-title">Air quality across India <span class="muted">now</span></h1>
    <p id="warming" class="warming" role="status" hidden></p>
    <div class="overview">
      <section class="card map-card" aria-labelledby="map-title">
        <h2 id="map-title">Map</h2>
        <form id="search" class="search" role="search">
          <label for="search-input">Find a city</label>
          <div class="row">
            <input id="search-input" list="city-names" autocomplete="off" placeholder="Name or alias, e.g. Bombay" aria-describedby="search-note">
            <button type="submit">Find</button>
          </div>
          <datalist id="city-names"></datalist>
          <p id="search-note" class="note" role="status"></p>
        </form>
        <div class="map-wrap">
          <svg id="map" role="group" aria-label="Map of India with each city's AQI"></svg>
          <div class="zoom" role="group" aria-label="Zoom">
            <button type="button" data-zoom="in" aria-label="Zoom in">+</button>
            <button type="button" data-zoom="out" aria-label="Zoom out">−</button>
            <button type="button" data-zoom="reset" aria-label="Show all of India">⤢</button>
          </div>
        </div>
        <div id="legend"></div>
        <p class="note">State boundaries: Natural Earth admin-1 (public domain), as of 2014, so Telangana is inside Andhra Pradesh and Ladakh inside Jammu and Kashmir. Each marker is a city and its AQI.</p>
      </section>
      <section class="card rank-card" aria-labelledby="rank-title">
        <h2 id="rank-title">Most polluted <span id="rank-count" class="muted"></span></h2>
        <table id="rankings" class="rankings">
          <caption class="sr-only">Cities by AQI, most polluted first</caption>
          <thead><tr><th scope="col">#</th><th scope="col">City</th><th scope="col">AQI</th><th scope="col">Category</th><th scope="col" class="wide-only">Main pollutant</th></tr></thead>
          <tbody></tbody>
        </table>
        <button type="button" id="rank-more" class="link-button" aria-expanded="false" aria-controls="rankings" hidden></button>
      </section>
    </div>`;
  const $ = (id) => root.querySelector("#" + id);
  $("city-names").innerHTML = app.catalog.flatMap((c) => [c.name, ...c.aliases.filter((a) => a !== c.name)].map((n) =>
    `<option value="${esc(n)}">${n === c.name ? esc(c.state) : esc(c.name)}</option>`)).join("");

  let map = null, rankings = null, showAll = false, disposed = false, timer = null;
  const topoReady = loadTopology().then((topo) => {
    if (disposed) return;
    map = new IndiaMap($("map"), topo);
    if (rankings) drawMap();
  });

  function drawMap() {
    const byId = new Map(rankings.rankings.map((r) => [r.city_id, r]));
    map.draw(app.catalog.map((c) => {
      const r = byId.get(c.id);
      return { id: c.id, name: c.name, latitude: c.latitude, longitude: c.longitude, aqi: r ? r.aqi : null, category: r ? r.category : null };
    }), app.standard, app.lastCity);
  }

  function drawRankings() {
    const rows = rankings.rankings;
    const shown = showAll ? rows : rows.slice(0, TOP);
    $("rankings").tBodies[0].innerHTML = shown.map((x) =>
      `<tr data-city="${esc(x.city_id)}"><td>${x.rank}</td>` +
      `<td><a href="#/city/${encodeURIComponent(x.city_id)}">${esc(x.city)}</a>${x.simulated ? ' <span class="tag sim">simulated</span>' : ""}</td>` +
      `<td>${badge(x.aqi, colorOf(x.aqi, app.standard))}${x.complete ? "" : ' <span class="tag" title="minimum-data rules not met">provisional</span>'}</td>` +
      `<td>${esc(x.category)}</td><td class="wide-only">${esc(pollutantName(x.dominant_pollutant))}</td></tr>`).join("");
    const more = $("rank-more");
    more.hidden = rows.length <= TOP;
    more.textContent = showAll ? `Show the top ${TOP}` : `Show all ${rows.length} cities`;
    more.setAttribute("aria-expanded", String(showAll));
  }

  async function refresh() {
    const r = await api(`/cities/rankings?standard=${app.standard}`);
    if (disposed) return;
    rankings = r;
    const total = app.catalog.length;
    $("rank-count").textContent = `(${r.count} of ${total} cities, ${std(app.standard).name})`;
    const warming = $("warming");
    if (r.count < total) {
      warming.hidden = false;
      warming.textContent = r.count === 0
        ? `Warming up: waiting for the first readings of ${total} cities. This page fills in by itself.`
        : `Warming up: ${r.count} of ${total} cities have reported; the others follow within a minute.`;
      clearTimeout(timer);
      timer = setTimeout(() => refresh().catch(() => {}), 2000);
    } else {
      warming.hidden = true;
    }
    drawRankings();
    $("legend").innerHTML = legendHtml(app.standard);
    if (map) drawMap();
  }

  $("rank-more").addEventListener("click", () => { showAll = !showAll; drawRankings(); });
  root.querySelector(".zoom").addEventListener("click", (e) => {
    const b = e.target.closest("button");
    if (!b || !map) return;
    if (b.dataset.zoom === "in") map.zoomBy(2);
    else if (b.dataset.zoom === "out") map.zoomBy(0.5);
    else map.reset();
  });
  // A name picked from the list finds the city at once; typed text on Enter or Find.
  $("search-input").addEventListener("change", (e) => { if (app.find(e.target.value) && app.catalog.some((c) => [c.name, ...c.aliases].includes(e.target.value.trim()))) find(); });
  $("search").addEventListener("submit", (e) => { e.preventDefault(); find(); });
  async function find() {
    const q = $("search-input").value.trim();
    const c = app.find(q);
    const note = $("search-note");
    if (!c) {
      const near = app.suggest(q);
      note.innerHTML = `No city named “${esc(q)}”.` + (near.length ? ` Did you mean ${near.map((n) => `<a href="#/city/${encodeURIComponent(n.id)}">${esc(n.name)}</a>`).join(", ")}?` : "");
      return;
    }
    app.lastCity = c.id;
    await topoReady;
    const r = rankings?.rankings.find((x) => x.city_id === c.id);
    note.innerHTML = `<a href="#/city/${encodeURIComponent(c.id)}">${esc(c.name)}</a>, ${esc(c.state)}` +
      (r ? `: ${std(app.standard).short} ${r.aqi}, ${esc(r.category)}` : ": no reading yet") + ". Open it for its forecast.";
    if (map) await map.zoomTo(c.id);
  }

  await refresh();
  await topoReady;
  performance.mark("overview-ready");
  return {
    refresh: () => refresh(),
    unmount() { disposed = true; clearTimeout(timer); },
  };
}
