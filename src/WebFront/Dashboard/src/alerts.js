// Alerts on the dashboard: an opt-in switch (remembered in this browser) joins the hub's `alerts` group, which gets the
// alerts of every subscription that publishes to the dashboard (POST /api/v1/subscriptions with "dashboard": true).
// Each alert shows in a list under the navigation, newest first, with its health advice.
import { esc, dateTime } from "./api.js";

const KEY = "aq-alerts";
const KEEP = 20;
let hub = null;
let panelRef = null;
let on = localStorage.getItem(KEY) === "on";
const seen = [];

function render(panel) {
  const list = panel.querySelector("ol");
  list.innerHTML = seen.map((a) => `<li class="alert ev-${esc(a.event)}" data-alert="${esc(a.id)}">
      <span class="when">${esc(dateTime(a.at))}</span> <span class="msg">${esc(a.message)}</span>
      ${a.held_until ? `<span class="held">held by quiet hours</span>` : ""}
      ${a.health_advice ? `<span class="advice" lang="${esc(a.health_advice.language)}">${esc(a.health_advice.text)}</span>` : ""}</li>`).join("");
  list.hidden = !on || seen.length === 0;
  panel.querySelector(".none").hidden = !on || seen.length > 0;
}

async function apply() {
  if (!hub || hub.state !== "Connected") return;
  try {
    const want = on;
    await hub.invoke(want ? "SubscribeAlerts" : "UnsubscribeAlerts");
    // Says whether this page is in the hub's alerts group now (read by tests and styles).
    if (panelRef) panelRef.dataset.joined = want ? "yes" : "no";
  } catch { /* joined again on reconnect */ }
}

/** Adds the switch and the list after the navigation. */
export function mountAlerts() {
  const panel = document.createElement("section");
  panel.className = "alerts";
  panel.setAttribute("aria-label", "Alerts");
  panel.innerHTML = `<label class="alerts-switch"><input type="checkbox" id="alerts-toggle"${on ? " checked" : ""}> Show alerts</label>
    <p class="none" hidden>No alerts yet.</p><ol aria-live="polite" hidden></ol>`;
  document.getElementById("nav").after(panel);
  panelRef = panel;
  panel.querySelector("input").addEventListener("change", async (e) => {
    on = e.target.checked;
    localStorage.setItem(KEY, on ? "on" : "off");
    render(panel);
    await apply();
  });
  render(panel);
  return panel;
}

/** Listens on a started hub connection (and joins again after a reconnect). */
export async function attachAlerts(connection, panel) {
  hub = connection;
  hub.on("alert", (alert) => {
    seen.unshift(alert);
    seen.length = Math.min(seen.length, KEEP);
    render(panel);
  });
  hub.onreconnected(() => apply());
  await apply();
}
