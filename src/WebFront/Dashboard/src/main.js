// The live dashboard: a small hash router over views (overview, city, compare), the standard switch and live updates
// over SignalR. Views are registered in `routes`; a new page is one entry there (and, to be in the menu, a `nav` label).
import { HubConnectionBuilder } from "@microsoft/signalr";
import { api, esc } from "./api.js";
import { app } from "./state.js";
import { mountOverview } from "./views/overview.js";
import { mountCity } from "./views/city.js";
import { mountCompare } from "./views/compare.js";
import { mountAlerts, attachAlerts } from "./alerts.js";

export const routes = [
  { name: "overview", pattern: /^\/?$/, nav: "Overview", href: "#/", mount: (root) => mountOverview(root) },
  { name: "city", pattern: /^\/city\/([^/?]+)/, mount: (root, m) => mountCity(root, decodeURIComponent(m[1])) },
  { name: "compare", pattern: /^\/compare/, nav: "Compare", href: "#/compare", mount: (root, m, q) => mountCompare(root, q) },
];

const $ = (id) => document.getElementById(id);
let current = null, generation = 0;

async function route() {
  const hash = location.hash.replace(/^#/, "") || "/";
  const [path, qs] = hash.split("?");
  const found = routes.map((r) => ({ r, m: path.match(r.pattern) })).find((x) => x.m) ?? { r: routes[0], m: [] };
  const mine = ++generation;
  current?.view?.unmount?.();
  current = { route: found.r, view: null };
  document.querySelectorAll("#nav a").forEach((a) => {
    if (a.dataset.route === found.r.name) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  });
  // Each page renders into its own element: a page still loading when the reader moves on writes into a detached
  // element, never over the next page.
  const main = $("view");
  main.dataset.view = found.r.name;
  const root = document.createElement("div");
  root.className = "page";
  main.replaceChildren(root);
  const view = await found.r.mount(root, found.m, new URLSearchParams(qs || ""));
  if (mine !== generation) { view?.unmount?.(); return; }
  current.view = view;
  // A new page starts at its top with its heading focused, so the change is seen and announced.
  window.scrollTo(0, 0);
  root.querySelector(".view-title")?.focus({ preventScroll: true });
  document.title = `${root.querySelector(".view-title")?.firstChild?.textContent?.trim() || "Air quality"} · Air quality in India`;
}

// Live updates: every change of a city arrives over SignalR; redraws are batched so a poll wave costs one refresh.
let pending = null, dirty = new Set();
function scheduleRefresh(cityId) {
  dirty.add(cityId);
  if (pending) return;
  pending = setTimeout(async () => {
    pending = null;
    const ids = [...dirty];
    dirty = new Set();
    const view = current?.view;
    if (!view?.refresh) return;
    if (current.route.name === "city") {
      if (ids.includes("*") || ids.includes(app.lastCity)) await view.refresh(app.lastCity)?.catch?.(() => {});
    } else await Promise.resolve(view.refresh("*")).catch(() => {});
  }, 1000);
}

function setLive(on, text) {
  const el = $("live");
  el.className = "live " + (on ? "on" : "off");
  el.querySelector(".text").textContent = text;
}

let alertsPanel = null;

async function connect() {
  const hub = new HubConnectionBuilder().withUrl("/hubs/aqi").withAutomaticReconnect([0, 2000, 5000, 10000, 30000]).build();
  // Every city's changes, one message per batch (a poll cycle's changes arrive together), not one per change.
  hub.on("citiesChanged", (changes) => { for (const change of changes) scheduleRefresh(change.city_id); });
  hub.onreconnecting(() => setLive(false, "reconnecting"));
  hub.onreconnected(async () => { await hub.invoke("SubscribeBatches"); setLive(true, "live"); scheduleRefresh("*"); });
  try {
    await hub.start();
    await hub.invoke("SubscribeBatches");
    setLive(true, "live");
    await attachAlerts(hub, alertsPanel);
  } catch {
    setLive(false, "offline");
    setTimeout(connect, 5000);
  }
}

async function start() {
  $("nav").innerHTML = routes.filter((r) => r.nav).map((r) => `<a href="${r.href}" data-route="${r.name}">${esc(r.nav)}</a>`).join("") +
    '<a href="/ui/bulletin.html">Bulletin</a><a href="/ui/grap.html">GRAP</a><a href="/api/v1/docs">API</a>';
  alertsPanel = mountAlerts();
  const select = $("standard");
  select.value = app.standard;
  select.addEventListener("change", () => {
    app.standard = select.value;
    localStorage.setItem("aq-standard", app.standard);
    route();
  });
  app.catalog = (await api("/cities/")).cities;
  window.addEventListener("hashchange", route);
  await route();
  connect();
}

start().catch((err) => {
  $("view").innerHTML = `<h1 class="view-title">Could not load</h1><p class="error">${esc(err.message)}</p>`;
});
