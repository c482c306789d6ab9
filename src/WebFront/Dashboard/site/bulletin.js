// The daily bulletin page: reads GET /api/v1/bulletin and renders one row per city.
(function () {
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
  const pct = (p) => (p == null ? '' : Math.round(p * 100) + ' %');
  const day = (f) => (f ? `${esc(f.category)} <span class="prob">${pct(f.probability)}</span>` : '<span class="muted">-</span>');

  async function load() {
    const params = new URLSearchParams();
    if ($('date').value) params.set('date', $('date').value);
    params.set('lang', $('lang').value);
    const res = await fetch('/api/v1/bulletin?' + params);
    const body = await res.json();
    const rows = $('bulletin').querySelector('tbody');
    if (!res.ok) { rows.innerHTML = `<tr><td colspan="9">${esc(body.detail || body.title)}</td></tr>`; return; }
    $('date').value = body.date;
    $('csv').href = '/api/v1/bulletin?format=csv&date=' + body.date;
    $('bulletin-date').textContent = body.date + (body.final ? '' : ' (provisional)');
    $('bulletin-meta').textContent = `${body.count} cities · 24 hours to ${new Date(body.window_end).toISOString().slice(0, 16).replace('T', ' ')} UTC · composed ${new Date(body.composed_at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    $('bulletin-method').textContent = body.method + '. Probabilities: ' + body.probability_assumption + '.';
    const cities = body.cities.slice().sort((a, b) => (b.aqi ?? b.provisional_aqi ?? -1) - (a.aqi ?? a.provisional_aqi ?? -1));
    rows.innerHTML = cities.map((c) => `<tr data-city="${esc(c.city_id)}">
      <td>${esc(c.city)}${c.simulated ? '<span class="tag">simulated</span>' : ''}</td>
      <td class="aqi"><span class="badge" style="background:${esc(c.color || '#e5e7eb')}">${c.aqi ?? (c.provisional_aqi != null ? c.provisional_aqi + '*' : '-')}</span></td>
      <td>${esc(c.category || '')}</td>
      <td>${esc(c.prominent_pollutants.join(', '))}</td>
      <td>${esc(c.sources.join(', '))}</td>
      <td>${Math.round(c.completeness * 100)} %</td>
      <td class="f1">${day(c.forecast[0])}</td>
      <td class="f2">${day(c.forecast[1])}</td>
      <td class="advice">${esc(c.health_advice ? c.health_advice.text : '')}</td></tr>`).join('');
  }

  $('date').addEventListener('change', load);
  $('lang').addEventListener('change', load);
  load();
})();
