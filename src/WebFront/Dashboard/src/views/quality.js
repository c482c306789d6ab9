// The data-quality flags of a city's sources (the current answer's `quality`), as badges on the city page.
import { esc } from "../api.js";
import { pollutantName } from "../standards.js";

const LABELS = {
  stale: "stale",
  stuck: "stuck value",
  out_of_range: "out of range",
  negative: "negative",
  duplicate_station: "duplicate station",
};

/** The badges of `quality.flags`, and what the AQI left out; a plain line when nothing is flagged. */
export function qualityHtml(quality) {
  const flags = quality?.flags ?? [];
  const excluded = Object.entries(quality?.excluded ?? {});
  const badges = flags.map((f) => {
    const what = `${LABELS[f.flag] ?? f.flag} · ${f.source}${f.pollutant ? ` · ${pollutantName(f.pollutant)}` : ""}`;
    return `<li><span class="tag quality q-${esc(f.flag)}${f.excluded_from_aqi ? " excluded" : ""}" data-flag="${esc(f.flag)}" data-source="${esc(f.source)}"` +
      `${f.pollutant ? ` data-pollutant="${esc(f.pollutant)}"` : ""} title="${esc(f.detail)}">${esc(what)}</span>` +
      `<span class="note"> ${esc(f.detail)}${f.excluded_from_aqi ? " · left out of the AQI" : ""}</span></li>`;
  }).join("");
  const left = excluded.length
    ? `<p class="note">Left out of the AQI over the last 24 hours: ${excluded.map(([k, n]) => `${esc(k.replace(/:/g, " "))} (${n})`).join(", ")}.</p>` : "";
  return flags.length
    ? `<ul class="quality-flags">${badges}</ul>${left}`
    : `<p class="muted" data-quality="none">No data-quality flags: every source is fresh and its values pass the checks.</p>${left}`;
}
