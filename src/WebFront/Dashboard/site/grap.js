// The GRAP page: reads GET /api/v1/grap and renders each NCR city's stage now and for three days.
(function () {
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
  const stage = (n, name) => (n == null ? '-' : `<span class="stage s${n}">${esc(name)}</span>`);
  const day = (d) => (d.basis === 'unavailable' ? '<span class="muted">beyond forecast</span>'
    : `${stage(d.stage, d.stage_name)} <span class="prob">${d.basis === 'observed' ? 'observed' : Math.round(d.probability * 100) + ' %'}</span>`);

  async function load() {
    const res = await fetch('/api/v1/grap?lang=' + $('lang').value);
    const body = await res.json();
    const rows = $('grap').querySelector('tbody');
    if (!res.ok) { rows.innerHTML = `<tr><td colspan="8">${esc(body.detail || body.title)}</td></tr>`; return; }
    if (body.cities.length) body.cities[0].days.forEach((d, i) => { $('d' + i).textContent = ['Today', 'Tomorrow', 'Day after'][i] + ' ' + d.date.slice(5); });
    rows.innerHTML = body.cities.map((c) => `<tr data-city="${esc(c.city_id)}">
      <td>${esc(c.city)}${c.simulated ? '<span class="tag">simulated</span>' : ''}</td>
      <td class="aqi">${c.aqi ?? '-'}</td>
      <td class="now">${stage(c.current_stage, c.current_stage_name)}</td>
      ${c.days.map((d) => `<td class="day">${day(d)}</td>`).join('')}
      <td class="change">${c.expected_change ? `${esc(c.expected_change.date)}: stage ${c.expected_change.from_stage} → ${c.expected_change.to_stage} (${Math.round(c.expected_change.probability * 100)} %)` : 'none'}</td>
      <td class="advice">${esc(c.health_advice ? c.health_advice.text : '')}</td></tr>`).join('');
    $('grap-stages').textContent = body.stages.map((s) => `${s.name}: AQI ${s.aqi_lo}${s.aqi_hi == null ? '+' : '-' + s.aqi_hi}`).join(' · ') + '. Source: ' + body.stages[1].source + '.';
    $('grap-method').textContent = body.method + '. Probabilities: ' + body.probability_assumption + '.';
  }

  $('lang').addEventListener('change', load);
  load();
})();
