// What every view shares: the catalog, the chosen standard and the city last looked at.
export const app = {
  catalog: [],
  standard: localStorage.getItem("aq-standard") === "us" ? "us" : "in",
  lastCity: null,
  /** A city by name, alias or id, ignoring case (the API's own resolution is the final word). */
  find(q) {
    const k = String(q || "").trim().toLowerCase();
    if (!k) return null;
    return this.catalog.find((c) => c.id === k || c.name.toLowerCase() === k || c.aliases.some((a) => a.toLowerCase() === k))
      ?? this.catalog.find((c) => c.name.toLowerCase().startsWith(k) || c.aliases.some((a) => a.toLowerCase().startsWith(k))) ?? null;
  },
  /** Close names (edit distance at most 2, or containing the text). */
  suggest(q) {
    const k = String(q || "").trim().toLowerCase();
    const dist = (a, b) => {
      const d = Array.from({ length: b.length + 1 }, (_, j) => j);
      for (let i = 1; i <= a.length; i++) {
        let prev = d[0]; d[0] = i;
        for (let j = 1; j <= b.length; j++) { const t = d[j]; d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1)); prev = t; }
      }
      return d[b.length];
    };
    return this.catalog.filter((c) => [c.name, ...c.aliases].some((n) => { const m = n.toLowerCase(); return dist(m, k) <= 2 || (k.length >= 3 && m.includes(k)); })).slice(0, 5);
  },
};
