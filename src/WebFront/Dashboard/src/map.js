// The map of India: state boundaries (Natural Earth admin-1, shipped by an npm package and served as /ui/india.json),
// drawn with d3-geo; one marker per city with its AQI number in its category colour; zoom and pan with d3-zoom
// (buttons, wheel, drag, pinch), and a zoom to any city.
import { geoMercator, geoPath } from "d3-geo";
import { feature, mesh } from "topojson-client";
import { select } from "d3-selection";
import { zoom, zoomIdentity } from "d3-zoom";
import "d3-transition";
import { esc } from "./api.js";
import { colorOf, inkOn, std } from "./standards.js";

const W = 600, H = 660;
let topology = null;
export const loadTopology = () => (topology ??= fetch("/ui/india.json").then((r) => r.json()));

export class IndiaMap {
  constructor(svg, topo) {
    this.svg = select(svg).attr("viewBox", `0 0 ${W} ${H}`);
    const object = Object.values(topo.objects)[0];
    const land = feature(topo, object);
    this.projection = geoMercator().fitExtent([[10, 10], [W - 10, H - 10]], land);
    const path = geoPath(this.projection);
    this.layer = this.svg.append("g").attr("class", "land");
    this.layer.selectAll("path.state").data(land.features).join("path").attr("class", "state").attr("d", path)
      .append("title").text((f) => f.properties.name || "");
    this.layer.append("path").attr("class", "borders").attr("d", path(mesh(topo, object, (a, b) => a !== b)));
    this.markers = this.svg.append("g").attr("class", "markers");
    this.transform = zoomIdentity;
    this.zoomer = zoom().scaleExtent([1, 12]).translateExtent([[0, 0], [W, H]])
      .on("zoom", (e) => { this.transform = e.transform; this.place(); });
    this.svg.call(this.zoomer).on("dblclick.zoom", null);
    this.cities = [];
  }

  /** Cities with their latest AQI (or none yet) in the given standard. */
  draw(cities, code, selectedId) {
    this.cities = cities.map((c) => ({ ...c, xy: this.projection([c.longitude, c.latitude]) }))
      // The most polluted on top where markers overlap.
      .sort((a, b) => (a.aqi ?? -1) - (b.aqi ?? -1));
    const s = std(code);
    this.markers.selectAll("a.marker").data(this.cities, (c) => c.id).join((enter) => {
      const a = enter.append("a").attr("class", "marker");
      a.append("circle").attr("r", 11);
      a.append("text").attr("text-anchor", "middle").attr("dy", "0.35em");
      a.append("title");
      return a;
    }).attr("href", (c) => `#/city/${encodeURIComponent(c.id)}`)
      .attr("data-city", (c) => c.id)
      .attr("data-aqi", (c) => c.aqi ?? "")
      .classed("selected", (c) => c.id === selectedId)
      .classed("pending", (c) => c.aqi === null || c.aqi === undefined)
      .attr("aria-label", (c) => c.aqi === null || c.aqi === undefined
        ? `${c.name}: no reading yet`
        : `${c.name}: ${s.short} ${c.aqi}, ${c.category}`)
      .each(function (c) {
        const g = select(this);
        const fill = c.aqi === null || c.aqi === undefined ? "#e5e7eb" : colorOf(c.aqi, code);
        g.select("circle").attr("fill", fill);
        g.select("text").attr("fill", inkOn(fill)).text(c.aqi === null || c.aqi === undefined ? "…" : c.aqi);
        g.select("title").text(c.aqi === null || c.aqi === undefined ? `${c.name}: waiting for its first reading` : `${c.name}: ${c.aqi} (${c.category})`);
      })
      .order();
    this.place();
  }

  place() {
    const t = this.transform;
    this.layer.attr("transform", t.toString());
    this.markers.selectAll("a.marker").attr("transform", (c) => `translate(${t.applyX(c.xy[0]).toFixed(1)},${t.applyY(c.xy[1]).toFixed(1)})`);
    this.svg.attr("data-zoom", t.k.toFixed(2));
  }

  zoomBy(f) { this.svg.transition().duration(250).call(this.zoomer.scaleBy, f); }

  reset() { this.svg.transition().duration(250).call(this.zoomer.transform, zoomIdentity); }

  /** Zooms to a city and marks it; resolves when the zoom has finished. */
  zoomTo(id, k = 5) {
    const c = this.cities.find((x) => x.id === id);
    if (!c) return Promise.resolve();
    this.markers.selectAll("a.marker").classed("selected", (x) => x.id === id);
    const [x, y] = c.xy;
    const target = zoomIdentity.translate(W / 2, H / 2).scale(k).translate(-x, -y);
    return this.svg.transition().duration(400).call(this.zoomer.transform, target).end().catch(() => {});
  }
}

export function legendHtml(code) {
  const s = std(code);
  return `<ul class="legend" aria-label="${esc(s.name)} categories">` + s.categories.map((c) =>
    `<li><span class="swatch" style="background:${c.color}"></span><span>${esc(c.name)}</span> <span class="range">${c.lo}–${c.hi}</span></li>`).join("") + "</ul>";
}
