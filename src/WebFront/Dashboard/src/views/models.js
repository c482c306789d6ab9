// The models behind a city's forecasts, explained: which one serves each target and why, how it does on live
// forecasts against persistence per horizon, every version of each target, and the retraining history.
import { esc, fmt, dateTime } from "../api.js";

const TARGETS = { aqi: { name: "India AQI", unit: "AQI points" }, pm25: { name: "PM2.5", unit: "µg/m³" } };
const FAMILY = { linear: "linear regression", random_forest: "random forest", gradient_boosting: "gradient-boosted trees", lstm: "LSTM", persistence: "persistence", seasonal_naive: "seasonal naive" };
const family = (f) => FAMILY[f] ?? String(f ?? "").replace(/_/g, " ");

/** Registry version numbers run across both targets; each target's versions are shown as its own v1, v2, ... */
function numbering(registry) {
  const map = new Map();
  for (const t of registry.targets) {
    (t.versions ?? []).map((v) => v.version).sort((a, b) => a - b).forEach((n, i) => map.set(n, { target: t.target, label: `v${i + 1}` }));
  }
  return map;
}

export function modelsHtml(models) {
  if (!models?.registry) return '<p class="muted">No model information yet.</p>';
  const reg = models.registry;
  const names = numbering(reg);
  const label = (n) => (names.get(n)?.label ?? `#${n}`);
  // Registry-wide numbers in the registry's own sentences, shown as each target's numbers.
  const relabel = (text) => String(text ?? "").replace(/\b([a-z_]+) v(\d+)\b/g, (all, f, n) => (names.has(+n) ? `${f} ${label(+n)}` : all));
  const skill = models.live_skill ?? reg.live_skill ?? null;

  const targets = reg.targets.map((t) => {
    const tn = TARGETS[t.target] ?? { name: t.target, unit: "" };
    const versions = (t.versions ?? []).slice().sort((a, b) => b.version - a.version);
    const champion = versions.find((v) => v.version === t.champion_version);
    const rows = versions.map((v) => `<tr${v.version === t.champion_version ? ' class="champion"' : ""}>` +
      `<th scope="row">${esc(label(v.version))}${v.version === t.champion_version ? ' <span class="tag">serving</span>' : ""}</th>` +
      `<td>${esc(family(v.model))}</td><td>${fmt(v.metrics?.mae, 2)}</td><td>${fmt(v.metrics?.r2, 2)}</td>` +
      `<td>${v.trained_at ? esc(dateTime(v.trained_at)) : "–"}</td></tr>`).join("");
    const live = (skill ?? []).filter((s) => s.target === t.target).sort((a, b) => a.horizon_hours - b.horizon_hours);
    const liveHtml = skill === null || live.length === 0
      ? '<p class="note live-skill">Live skill: not yet measured (issued forecasts are scored once the hours they forecast have been observed).</p>'
      : `<table class="live-skill"><caption>Live forecasts against persistence (the last hour carried forward)</caption>
          <thead><tr><th scope="col">Hours ahead</th><th scope="col">Forecasts scored</th><th scope="col">MAE</th><th scope="col">Persistence MAE</th><th scope="col">Skill</th></tr></thead>
          <tbody>${live.map((s) => `<tr><th scope="row">${s.horizon_hours} h</th><td>${s.count}</td><td>${fmt(s.mae, 2)}</td><td>${fmt(s.persistence_mae, 2)}</td>` +
            `<td>${s.skill === null || s.skill === undefined ? "not yet measured" : `${s.skill >= 0 ? "+" : ""}${Math.round(s.skill * 100)} %`}</td></tr>`).join("")}</tbody></table>
         <p class="note">Skill = 1 − MAE ÷ persistence MAE: above 0 % the model beats simply repeating the last hour.</p>`;
    return `<article class="target" data-target="${esc(t.target)}">
      <h3>${esc(tn.name)}: ${esc(family(t.champion))}${t.champion_version ? ` ${esc(label(t.champion_version))}` : ""} serves</h3>
      <p class="why"><strong>Why:</strong> ${esc(relabel(t.champion_reason))}.</p>
      <p class="note">The figures in “why” were measured on the newest validation window, where the serving model and the
        challengers were compared side by side; the table gives each version's error on the window it was trained on, so
        one version's two figures can differ.${champion ? ` Serving since ${esc(dateTime(t.promoted_at ?? champion.trained_at))}.` : ""}</p>
      ${liveHtml}
      ${rows ? `<div class="table-fit"><table class="versions"><caption>${esc(tn.name)}: ${versions.length} version${versions.length === 1 ? "" : "s"}</caption>
        <thead><tr><th scope="col">Version</th><th scope="col">Family</th><th scope="col"><abbr title="mean absolute error, ${esc(tn.unit)}, over 1-48 h ahead">MAE</abbr></th><th scope="col"><abbr title="coefficient of determination">R²</abbr></th><th scope="col">Trained</th></tr></thead>
        <tbody>${rows}</tbody></table></div>` : '<p class="muted">No version trained yet: a baseline serves.</p>'}
    </article>`;
  }).join("");

  const events = (reg.recent_events ?? []).slice().reverse();
  return targets + `
    <p class="note">MAE: mean absolute error of the forecasts on held-out recent hours, averaged over 1-48 h ahead (lower is
      better), in the target's unit. R²: 1 is perfect, 0 is no better than always forecasting the window's mean, and
      below 0 worse than that; far-ahead hours of a steady window often go below 0, so MAE against persistence is the
      better guide.</p>
    <h3>Retraining history</h3>
    <p>Retrained ${reg.retrains} time${reg.retrains === 1 ? "" : "s"}${reg.last_trained_at ? `, last ${esc(dateTime(reg.last_trained_at))} (${esc(reg.last_training_reason ?? "")})` : ""}${reg.training ? "; training now" : ""}.</p>
    ${events.length ? `<ul class="events">${events.map((e) => `<li>${esc(relabel(e))}</li>`).join("")}</ul>` : ""}`;
}
