// KPI view: the fleet's KPIs from GET /v1/fleet/kpis over a time range, each against the seed's target (green when
// met, red when missed, said in words too) with the target drawn as a line on its chart; CSV export.
/* global HcpCharts, HcpDom, HcpHistory */
(() => {
  const { $, el } = HcpDom;
  const pct = (v) => `${v.toFixed(2)} %`;
  const ms = (v) => `${Math.round(v)} ms`;
  /**
   * The fleet's KPIs as GET /v1/fleet/kpis names them, in the order shown. Shares (0–1) are drawn as percentages
   * (`scale` 100); `better` says which side of the answer's target (`targets`, the seed's) meets it.
   */
  const KPIS = [
    { name: 'powerUtilisation', label: 'Site power used / available', better: 'above', scale: 100, format: pct },
    { name: 'gpuUtilisation', label: 'GPUs serving / powered', better: 'above', scale: 100, format: pct },
    { name: 'gatewayUptime', label: 'Gateway uptime (heartbeats)', better: 'above', scale: 100, format: pct },
    { name: 'apiUptime', label: 'API uptime (prober)', better: 'above', scale: 100, format: pct },
    {
      name: 'revenueUsdPerGpuMonth',
      label: 'Revenue per GPU',
      better: 'above',
      format: (v) => `$${Math.round(v).toLocaleString('en-US')}/month`,
    },
    { name: 'switchP50Ms', label: 'Switch latency p50', better: 'below', format: ms },
    { name: 'switchP99Ms', label: 'Switch latency p99', better: 'below', format: ms },
    { name: 'apiP50Ms', label: 'API latency p50', better: 'below', format: ms },
    { name: 'apiP99Ms', label: 'API latency p99', better: 'below', format: ms },
    { name: 'fleetJPerTh', label: 'Fleet efficiency (facility power)', format: (v) => `${v.toFixed(2)} J/TH` },
    { name: 'energyCostUsdPerThDay', label: 'Energy cost per TH', format: (v) => `$${v.toFixed(4)}/TH/day` },
  ];
  const scaled = (kpi, v) => (v == null ? v : v * (kpi.scale ?? 1));
  // At the target counts as met: "uptime 99.99%" is met at 99.99%.
  const meets = (kpi, value, target) => (kpi.better === 'above' ? value >= target : value <= target);
  const targetText = (kpi, target) => `target ${kpi.better === 'above' ? '≥' : '≤'} ${kpi.format(target)}`;

  const cards = new Map();

  function card(kpi) {
    let entry = cards.get(kpi.label);
    if (entry) return entry;
    const box = el('figure', { class: 'card kpi-card', 'data-kpi': kpi.name });
    const caption = el('figcaption', {}, kpi.label);
    const value = el('div', { class: 'kpi-value' });
    const verdict = el('div', { class: 'kpi-verdict' });
    const chart = el('div', { class: 'chart', id: `chart-kpi-${kpi.name}` });
    box.append(caption, value, verdict, chart);
    $('#kpi-cards').append(box);
    entry = {
      box,
      value,
      verdict,
      // The axis in plain numbers (the unit is in the caption), the text alternative in the KPI's own format.
      chart: HcpCharts.create(chart, [{ label: kpi.label, color: HcpCharts.css('--gpu') }], {
        describe: kpi.format,
        showLines: true,
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
      const total = scaled(kpi, response.window?.[kpi.name]);
      const target = scaled(kpi, response.targets?.[kpi.name]);
      const state = total == null ? 'none' : target == null ? 'info' : meets(kpi, total, target) ? 'ok' : 'bad';
      if (state === 'ok') met++;
      if (state === 'bad') missed++;
      c.box.dataset.state = state;
      c.value.textContent = total == null ? 'no data' : kpi.format(total);
      c.verdict.textContent =
        target == null
          ? 'no target'
          : `${targetText(kpi, target)}: ${{ ok: 'met', bad: 'missed', none: 'no data' }[state]}`;
      const lines =
        target == null ? [] : [{ value: target, label: targetText(kpi, target), color: HcpCharts.css('--bad') }];
      c.chart.update([t, HcpHistory.pick(series, kpi.name).map((v) => scaled(kpi, v))], { lines });
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
