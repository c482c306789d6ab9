#!/usr/bin/env python3
"""Tables (markdown) and a chart (SVG, drawn here: no library, no download) of the evaluate JSON in a results folder:
served skill against persistence per horizon, 90 % band coverage per horizon, beside the targets."""
import json, os, sys

HORIZONS = ["1", "6", "12", "24", "48"]
# Further arguments "Title=folder" add the runs of an earlier code (e.g. results/before-profile) as tables of their own.
results, tables, svg_path = sys.argv[1], sys.argv[2], sys.argv[3]
earlier = [a.split("=", 1) for a in sys.argv[4:]]

def load(folder):
  runs = []
  for name in sorted(os.listdir(folder)):
    if not name.endswith(".json"):
        continue
    stem = name[:-5]
    parts = stem.rsplit("_", 2)
    if len(parts) != 3 or parts[1] not in ("split", "rolling"):
        continue   # not an evaluate run of run.sh (e.g. global.json of global.sh)
    station, protocol, cov = parts
    with open(os.path.join(folder, name)) as f:
        r = json.load(f)
    skill = {h: r["skill"].get(h) for h in HORIZONS}
    served = {h: r["served"][h]["mae"] for h in HORIZONS}
    persistence = {h: r["models"]["persistence"][h]["mae"] for h in HORIZONS}
    cov90 = {h: r["intervals"]["0.9"].get(h) for h in HORIZONS}
    runs.append(dict(station=station, protocol=protocol, cov=cov, skill=skill, served=served, persistence=persistence, cov90=cov90,
                     mean=sum(skill.values()) / len(HORIZONS), retrains=r.get("retrains"), wall=r.get("wall_seconds"), cpu=r.get("cpu_seconds"),
                     scored=f'{str(r.get("scored_from"))[:10]} to {str(r.get("scored_to"))[:10]}', served_by=r.get("served_models", {})))
  return runs

runs = load(results)

def pct(v):
    return "–" if v is None else f"{100 * v:.1f} %"

def ok(cond):
    return "met" if cond else "**missed**"

def table(runs):
  lines = ["| station | protocol | covariates | scored | " + " | ".join(f"skill {h} h" for h in HORIZONS) + " | mean | 90 % coverage 1/6/12/24/48 h | targets | CPU s (wall s) |",
           "|---|---|---|---|" + "---|" * len(HORIZONS) + "---|---|---|---|"]
  for r in runs:
      cov_ok = all(c is not None and 0.85 <= c <= 0.95 for c in r["cov90"].values())
      skill_ok = r["mean"] >= 0.10 and (r["skill"]["24"] or -1) >= 0.10 and (r["skill"]["48"] or -1) >= 0.10
      lines.append(f'| {r["station"]} | {r["protocol"]} | {r["cov"]} | {r["scored"]} | ' + " | ".join(pct(r["skill"][h]) for h in HORIZONS)
                   + f' | {pct(r["mean"])} | ' + " / ".join(f"{100 * (c or 0):.0f}" for c in r["cov90"].values())
                   + f' | skill {ok(skill_ok)}, coverage {ok(cov_ok)} | {r["cpu"]} ({r["wall"]}) |')
  lines += ["", "Served and persistence MAE (µg/m³) per horizon:", "",
            "| station | protocol | covariates | " + " | ".join(f"{h} h served / persistence" for h in HORIZONS) + " |",
            "|---|---|---|" + "---|" * len(HORIZONS)]
  for r in runs:
      lines.append(f'| {r["station"]} | {r["protocol"]} | {r["cov"]} | ' + " | ".join(f'{r["served"][h]:.2f} / {r["persistence"][h]:.2f}' for h in HORIZONS) + " |")
  return lines

lines = table(runs)
for title, folder in earlier:
    lines += ["", f"## {title}", ""] + table(load(folder))
with open(tables, "w") as f:
    f.write("\n".join(lines) + "\n")

# The chart: served skill per horizon, one bar per run with covariates (or the only run of a PM2.5-only file).
chart = [r for r in runs if r["cov"] == "all"]
w, h, left, top, bottom = 760, 360, 60, 40, 70
plot_h = h - top - bottom
lo, hi = -0.4, 0.5
for r in chart:
    for v in r["skill"].values():
        if v is not None:
            lo, hi = min(lo, v - 0.05), max(hi, v + 0.05)
y = lambda v: top + (hi - v) / (hi - lo) * plot_h
colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
group = (w - left - 20) / len(HORIZONS)
bar = group * 0.8 / max(1, len(chart))
out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h + 18 * len(chart)}" font-family="sans-serif" font-size="12">',
       f'<text x="{left}" y="20" font-size="14">Served forecast skill against persistence (1 - MAE / persistence MAE), PM2.5</text>']
for t in [x / 10 for x in range(int(lo * 10), int(hi * 10) + 1)]:
    out.append(f'<line x1="{left}" x2="{w - 20}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="#ddd"/><text x="{left - 6}" y="{y(t) + 4:.1f}" text-anchor="end">{100 * t:.0f} %</text>')
out.append(f'<line x1="{left}" x2="{w - 20}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#000"/><text x="{w - 22}" y="{y(0) - 4:.1f}" text-anchor="end">persistence</text>')
out.append(f'<line x1="{left}" x2="{w - 20}" y1="{y(0.1):.1f}" y2="{y(0.1):.1f}" stroke="#c00" stroke-dasharray="4 3"/><text x="{w - 22}" y="{y(0.1) - 4:.1f}" text-anchor="end" fill="#c00">target 10 %</text>')
for gi, hz in enumerate(HORIZONS):
    x0 = left + gi * group + group * 0.1
    out.append(f'<text x="{left + gi * group + group / 2:.1f}" y="{h - bottom + 18}" text-anchor="middle">{hz} h</text>')
    for ri, r in enumerate(chart):
        v = r["skill"][hz]
        if v is None:
            continue
        y1, y2 = sorted([y(v), y(0)])
        out.append(f'<rect x="{x0 + ri * bar:.1f}" y="{y1:.1f}" width="{bar * 0.9:.1f}" height="{max(0.5, y2 - y1):.1f}" fill="{colors[ri % len(colors)]}"><title>{r["station"]} {r["protocol"]} {hz} h: {100 * v:.1f} %</title></rect>')
for ri, r in enumerate(chart):
    ly = h - bottom + 40 + 18 * ri
    out.append(f'<rect x="{left}" y="{ly - 10}" width="12" height="12" fill="{colors[ri % len(colors)]}"/><text x="{left + 18}" y="{ly}">{r["station"]}, {r["protocol"]} (mean {100 * r["mean"]:.1f} %)</text>')
out.append("</svg>")
os.makedirs(os.path.dirname(svg_path), exist_ok=True)
with open(svg_path, "w") as f:
    f.write("\n".join(out) + "\n")
print("\n".join(lines))
