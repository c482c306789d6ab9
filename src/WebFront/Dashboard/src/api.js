// The public REST API (/api/v1). `no-cache`: answers carry max-age=60 for other clients, but a live page revalidates
// (a cheap 304 by ETag) so a pushed change shows at once.
export async function api(path) {
  const r = await fetch("/api/v1" + path, { headers: { Accept: "application/json" }, cache: "no-cache" });
  const body = await r.json().catch(() => null);
  if (!r.ok) {
    const e = new Error((body && (body.detail || body.title)) || r.statusText);
    e.status = r.status;
    e.problem = body;
    throw e;
  }
  return body;
}

export const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
export const fmt = (v, d = 0) => (v === null || v === undefined || Number.isNaN(v) ? "–" : Number(v).toFixed(d));

// Every time is shown in India Standard Time, the cities' own clock, and says so.
const TZ = "Asia/Kolkata";
export const hourMinute = (t) => new Date(t).toLocaleTimeString("en-GB", { timeZone: TZ, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
export const dayMonth = (t) => new Date(t).toLocaleDateString("en-GB", { timeZone: TZ, day: "numeric", month: "short" });
export const dateTime = (t) => `${dayMonth(t)}, ${hourMinute(t)} IST`;
/** The IST calendar day of a time, as yyyy-mm-dd. */
export const istDay = (t) => new Date(t).toLocaleDateString("en-CA", { timeZone: TZ });

/** Labels every cell of the tables in `root` with its column header (shown above the value on narrow screens). */
export function labelCells(root) {
  for (const table of root.querySelectorAll("table")) {
    const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    for (const row of table.tBodies[0]?.rows ?? []) [...row.cells].forEach((cell, i) => { if (heads[i]) cell.dataset.label = heads[i]; });
  }
}
