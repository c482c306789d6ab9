// The outlook for today, tomorrow and the day after (IST days): each day's expected category and how likely it is,
// derived from the forecast's prediction bands. The bands are split-conformal intervals built in log(1 + value)
// space, so each hour's forecast is read as a normal distribution there, centred on the forecast with the spread
// that makes its band hold at the band's level; a day is the mean of its forecast hours, and the spread of that mean
// is taken as the hours' mean spread (errors of neighbouring hours move together). The probability is the chance that
// the day's value falls in the category its expected value is in.
import { istDay } from "./api.js";
import { categoryOf, std } from "./standards.js";

const Z = { 0.8: 1.2816, 0.9: 1.6449 };

function phi(z) {
  // Standard normal CDF (Abramowitz-Stegun 7.1.26 through erf), ample for a percentage.
  const t = 1 / (1 + 0.3275911 * Math.abs(z) / Math.SQRT2);
  const erf = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/**
 * @param {{t:number, v:number, lo:number, hi:number}[]} hours forecast hours in the standard's AQI
 * @param {number} level band level (0.8 or 0.9)
 * @param {string} code standard
 * @param {number} now
 */
export function outlook(hours, level, code, now) {
  const z = Z[level] ?? Z[0.9];
  const names = ["Today", "Tomorrow", "Day after"];
  const days = [0, 1, 2].map((i) => istDay(now + i * 864e5));
  return days.map((day, i) => {
    const hs = hours.filter((h) => istDay(h.t) === day);
    if (hs.length === 0) return { name: names[i], day, hours: 0 };
    const m = hs.reduce((a, h) => a + Math.log1p(Math.max(0, h.v)), 0) / hs.length;
    const s = Math.max(1e-6, hs.reduce((a, h) => a + (Math.log1p(Math.max(0, h.hi)) - Math.log1p(Math.max(0, h.lo))) / (2 * z), 0) / hs.length);
    const value = Math.expm1(m);
    const cat = categoryOf(value, code);
    const cats = std(code).categories;
    const upper = cat === cats[cats.length - 1] ? 1 : phi((Math.log1p(cat.hi + 0.5) - m) / s);
    const lower = cat === cats[0] ? 0 : phi((Math.log1p(cat.lo - 0.5) - m) / s);
    const p = upper - lower;
    return { name: names[i], day, hours: hs.length, value: Math.round(value), category: cat, probability: Math.min(1, Math.max(0, p)) };
  });
}
