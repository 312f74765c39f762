// KPI view: the fleet's KPIs from GET /v1/fleet/kpis over a time range, each against the seed's target (green when
// met, red when missed, said in words too) with the target drawn as a line on its chart; CSV export.
/* global HcpCharts, HcpDom, HcpHistory */
(() => {
  const { $, el } = HcpDom;
  const pct = (v) => `${v.toFixed(2)} %`;
  const ms = (v) => `${Math.round(v)} ms`;
  /**
   * The seed's targets (utilisation > 95%, uptime 99.99%, revenue per GPU > $5k/month, switch < 100 ms, API p50 <
   * 50 ms) and the figures shown beside them without one. `names`: the API's field first, older spellings after.
   */
  const KPIS = [
    {
      names: ['siteUtilisationPct', 'sitePowerUtilisationPct', 'utilisationPct'],
      label: 'Site power used / available',
      target: 95,
      better: 'above',
      format: pct,
    },
    {
      names: ['gpuUtilisationPct', 'gpuServingPct'],
      label: 'GPUs serving / powered',
      target: 95,
      better: 'above',
      format: pct,
    },
    {
      names: ['gatewayUptimePct', 'uptimePct'],
      label: 'Gateway uptime (heartbeats)',
      target: 99.99,
      better: 'above',
      format: pct,
    },
    { names: ['apiUptimePct'], label: 'API uptime (prober)', target: 99.99, better: 'above', format: pct },
    {
      names: ['revenuePerGpuUsdPerMonth', 'revenuePerGpuUsdMonth'],
      label: 'Revenue per GPU',
      target: 5000,
      better: 'above',
      format: (v) => `$${Math.round(v).toLocaleString('en-US')}/month`,
    },
    { names: ['switchLatencyP50Ms'], label: 'Switch latency p50', target: 100, better: 'below', format: ms },
    { names: ['switchLatencyP99Ms'], label: 'Switch latency p99', target: 100, better: 'below', format: ms },
    { names: ['apiLatencyP50Ms', 'apiP50Ms'], label: 'API latency p50', target: 50, better: 'below', format: ms },
    { names: ['apiLatencyP99Ms', 'apiP99Ms'], label: 'API latency p99', format: ms },
    { names: ['fleetJPerTh', 'fleetJoulesPerTh'], label: 'Fleet efficiency', format: (v) => `${v.toFixed(2)} J/TH` },
    {
      names: ['energyCostUsdPerTh', 'energyCostUsdPerThDay'],
      label: 'Energy cost per TH',
      format: (v) => `$${v.toFixed(4)}/TH`,
    },
  ];
  const meets = (kpi, value) => (kpi.better === 'above' ? value > kpi.target : value < kpi.target);
  const targetText = (kpi) => `target ${kpi.better === 'above' ? '>' : '<'} ${kpi.format(kpi.target)}`;

  /** The range's figure: the response's totals (`kpis`/`totals`/`summary`, an object or a list), else the series' mean. */
  function totalOf(response, series, kpi) {
    const totals = response.kpis ?? response.totals ?? response.summary ?? {};
    const entries = Array.isArray(totals)
      ? totals.map((k) => [k.name ?? k.kpi ?? k.metric, k.value])
      : Object.entries(totals);
    const found = entries.find(([name, value]) => kpi.names.includes(name) && typeof value === 'number');
    if (found) return found[1];
    const values = HcpHistory.pick(series, ...kpi.names).filter((v) => v != null);
    return values.length ? values.reduce((a, b) => a + b, 0) / values.length : undefined;
  }

  const cards = new Map();

  function card(kpi) {
    let entry = cards.get(kpi.label);
    if (entry) return entry;
    const box = el('figure', { class: 'card kpi-card', 'data-kpi': kpi.names[0] });
    const caption = el('figcaption', {}, kpi.label);
    const value = el('div', { class: 'kpi-value' });
    const verdict = el('div', { class: 'kpi-verdict' });
    const chart = el('div', { class: 'chart', id: `chart-kpi-${kpi.names[0]}` });
    box.append(caption, value, verdict, chart);
    $('#kpi-cards').append(box);
    entry = {
      box,
      value,
      verdict,
      chart: HcpCharts.create(chart, [{ label: kpi.label, color: HcpCharts.css('--gpu') }], {
        format: (v) => String(v),
      }),
    };
    cards.set(kpi.label, entry);
    return entry;
  }

  let lastSeries;
  let range;

  async function load() {
    if ($('#view-kpis').hidden) return;
    range = picker.current();
    const status = $('#kpi-status');
    status.textContent = 'loading…';
    let result;
    try {
      result = await HcpHistory.kpis(range);
    } catch (error) {
      status.textContent = `KPIs: ${error.message}`;
      $('#operator-key-form').hidden = !(error.status === 401 || error.status === 403);
      return;
    }
    $('#operator-key-form').hidden = true;
    const { response, series } = result;
    lastSeries = series;
    const t = series.t.map((m) => m / 1000);
    let met = 0;
    let missed = 0;
    for (const kpi of KPIS) {
      const c = card(kpi);
      const total = totalOf(response, series, kpi);
      const state = total === undefined ? 'none' : kpi.target === undefined ? 'info' : meets(kpi, total) ? 'ok' : 'bad';
      if (state === 'ok') met++;
      if (state === 'bad') missed++;
      c.box.dataset.state = state;
      c.value.textContent = total === undefined ? 'no data' : kpi.format(total);
      c.verdict.textContent =
        kpi.target === undefined
          ? 'no target'
          : `${targetText(kpi)}: ${{ ok: 'met', bad: 'missed', none: 'no data' }[state]}`;
      const lines =
        kpi.target === undefined ? [] : [{ value: kpi.target, label: targetText(kpi), color: HcpCharts.css('--bad') }];
      c.chart.update([t, HcpHistory.pick(series, ...kpi.names)], { lines });
    }
    status.textContent = `${met} targets met, ${missed} missed; ${series.t.length} points, every ${range.stepS / 60} min`;
    $('#kpi-cards').dataset.loaded = 'true';
  }

  const refresh = HcpDom.every(30_000, load);
  const picker = HcpHistory.rangePicker($('#kpi-range'), { live: false, onChange: () => void refresh.now() });
  window.addEventListener('hcp:view', (event) => {
    if (event.detail === 'view-kpis') void refresh.now();
  });

  $('#operator-key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    HcpHistory.useOperatorKey($('#operator-key').value.trim());
    void refresh.now();
  });

  $('#kpi-csv').addEventListener('click', () => {
    if (lastSeries) HcpHistory.download(`hcp-kpis-${HcpHistory.fileStamp(range)}.csv`, HcpHistory.csv(lastSeries));
  });
})();
