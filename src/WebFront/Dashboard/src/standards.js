// The AQI categories of both standards as the dashboard shows them: upper edges, names and colours, and the
// pollutants' display names and units. The API sends each value's category and colour; the chart's ticks, the legend
// and the outlook need the whole scale.

// India NAQI (CPCB 2014) and US EPA category edges and official colours. On the map, India's "Poor" is drawn in the
// amber CPCB's bulletins use (#FF9900) rather than #FF6500, which is hard to tell from "Very Poor" red (#FF0000) on a
// small marker; every marker also carries its number.
export const STANDARDS = {
  in: {
    code: "in", name: "India NAQI", short: "India AQI", table: "CPCB 2014",
    categories: [
      { lo: 0, hi: 50, name: "Good", color: "#00B050" },
      { lo: 51, hi: 100, name: "Satisfactory", color: "#92D050" },
      { lo: 101, hi: 200, name: "Moderately Polluted", color: "#FFFF00" },
      { lo: 201, hi: 300, name: "Poor", color: "#FF9900" },
      { lo: 301, hi: 400, name: "Very Poor", color: "#FF0000" },
      { lo: 401, hi: 500, name: "Severe", color: "#C00000" },
    ],
  },
  us: {
    code: "us", name: "US EPA", short: "US AQI", table: "US EPA 2024",
    categories: [
      { lo: 0, hi: 50, name: "Good", color: "#00E400" },
      { lo: 51, hi: 100, name: "Moderate", color: "#FFFF00" },
      { lo: 101, hi: 150, name: "Unhealthy for Sensitive Groups", color: "#FF7E00" },
      { lo: 151, hi: 200, name: "Unhealthy", color: "#FF0000" },
      { lo: 201, hi: 300, name: "Very Unhealthy", color: "#8F3F97" },
      { lo: 301, hi: 500, name: "Hazardous", color: "#7E0023" },
    ],
  },
};

export const std = (code) => STANDARDS[code] || STANDARDS.in;

/** The category of an AQI value in a standard (values above 500 stay in the top category). */
export function categoryOf(aqi, code) {
  const cats = std(code).categories;
  if (aqi === null || aqi === undefined || Number.isNaN(aqi)) return null;
  return cats.find((c) => Math.round(aqi) <= c.hi) || cats[cats.length - 1];
}

export const colorOf = (aqi, code) => categoryOf(aqi, code)?.color ?? "#9ca3af";

// WCAG relative luminance and contrast, to put black or white text on a category colour.
function luminance(hex) {
  const n = parseInt(hex.slice(1), 16);
  const ch = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((v) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
}
export const contrast = (a, b) => {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
};
export const inkOn = (bg) => (contrast(bg, "#000000") >= contrast(bg, "#ffffff") ? "#000000" : "#ffffff");

// US EPA PM2.5 breakpoints (24-hour, the 2024 table) to show a PM2.5 forecast as US AQI: the forecast is of PM2.5, so
// in the US standard the chart and the outlook show its PM2.5 sub-index (said so beside the chart).
const US_PM25 = [[0, 9.0, 0, 50], [9.1, 35.4, 51, 100], [35.5, 55.4, 101, 150], [55.5, 125.4, 151, 200], [125.5, 225.4, 201, 300], [225.5, 325.4, 301, 500]];
export function usAqiOfPm25(c) {
  if (c === null || c === undefined) return null;
  const v = Math.max(0, Math.floor(c * 10) / 10);
  const seg = US_PM25.find(([, hi]) => v <= hi) || US_PM25[US_PM25.length - 1];
  const [clo, chi, ilo, ihi] = seg;
  return Math.round(((ihi - ilo) / (chi - clo)) * (v - clo) + ilo);
}

export const POLLUTANTS = {
  pm25: { name: "PM2.5", long: "Fine particles (PM2.5)" },
  pm10: { name: "PM10", long: "Coarse particles (PM10)" },
  no2: { name: "NO₂", long: "Nitrogen dioxide" },
  so2: { name: "SO₂", long: "Sulphur dioxide" },
  co: { name: "CO", long: "Carbon monoxide" },
  o3: { name: "O₃", long: "Ozone" },
  nh3: { name: "NH₃", long: "Ammonia" },
  pb: { name: "Pb", long: "Lead" },
};
export const pollutantName = (code) => POLLUTANTS[code]?.name ?? (code ? String(code).toUpperCase() : "–");

/** One unit style everywhere: µg/m³ and mg/m³, whatever spelling the data uses. */
export function unit(u) {
  if (!u) return "";
  const s = String(u).toLowerCase().replace(/\s/g, "");
  if (s === "ug/m3" || s === "µg/m3" || s === "µg/m³" || s === "μg/m3") return "µg/m³";
  if (s === "mg/m3" || s === "mg/m³") return "mg/m³";
  return u;
}

export const AVERAGING = { "24h": "24-hour mean", "8h": "8-hour mean", "1h": "1-hour value", nowcast: "NowCast" };
