// The history API as the dashboard reads it: time ranges on the simulated clock, the operator's key, answers as
// columns, a range picker, and CSV export.
//   GET /v1/sites/{siteId}/telemetry?from&to&step&metric → { points: [{ at, siteKw, limitKw, … }] } (one metric)
//   GET /v1/fleet/kpis?from&to&step                      → { window, points: [{ at, … }], targets }
// `step` is in seconds, times ISO 8601 UTC (core/api/telemetry-history.ts).
/* global HcpDom */
window.HcpHistory = (() => {
  const { el, noteSource } = HcpDom;
  const HOUR_MS = 3_600_000;
  const RANGES = [
    { kind: 'live', label: 'Live' },
    { kind: 'hour', label: 'Last hour', spanMs: HOUR_MS, stepS: 60 },
    { kind: 'day', label: 'Last day', spanMs: 24 * HOUR_MS, stepS: 900 },
    { kind: 'week', label: 'Last week', spanMs: 7 * 24 * HOUR_MS, stepS: 3600 },
    { kind: 'custom', label: 'Custom' },
  ];
  /** Steps a custom range may take, so a chart has at most ~300 points. */
  const NICE_STEPS_S = [60, 300, 900, 3600, 6 * 3600, 86400];
  const KEY_STORE = 'hcp-operator-key';

  /** The platform's simulated now (the observer's `simNow`); the ranges end there, not at the wall clock. */
  let simNowMs = Date.now();
  const setNow = (ms) => {
    simNowMs = ms;
  };

  let infoKey;
  HcpDom.info.then(
    (info) => {
      infoKey = info.operatorApiKey;
    },
    () => {},
  );
  const operatorKey = () => localStorage.getItem(KEY_STORE) ?? infoKey;
  const useOperatorKey = (key) => localStorage.setItem(KEY_STORE, key);

  class HistoryError extends Error {
    constructor(message, status) {
      super(message);
      this.status = status;
    }
  }

  async function get(path) {
    const key = operatorKey();
    if (!key) throw new HistoryError('needs the operator API key', 401);
    const response = noteSource(await fetch(path, { headers: { 'x-api-key': key } }));
    const json = await response.json().catch(() => ({}));
    if (response.status === 404 && /^no route/.test(json.error?.message ?? '')) {
      throw new HistoryError('the history API is not available on this platform', 404);
    }
    if (!response.ok) throw new HistoryError(json.error?.message ?? `HTTP ${response.status}`, response.status);
    return json;
  }

  /** An answer's `points` as { t: ms[], columns: { name: (number|null)[] } } (numeric fields only). */
  function columns(points) {
    const names = [...new Set(points.flatMap((p) => Object.keys(p)))].filter(
      // `samples` counts the rows behind a bucket: the query's business, not a figure to chart or add up.
      (k) => k !== 'at' && k !== 'samples' && points.some((p) => typeof p[k] === 'number'),
    );
    return {
      t: points.map((p) => Date.parse(p.at)),
      columns: Object.fromEntries(names.map((k) => [k, points.map((p) => (typeof p[k] === 'number' ? p[k] : null))])),
    };
  }

  /** Quantities that add across sites (power, energy, hashrate, money, counts); the rest (prices) average. */
  const ADDS_UP = /(Kw|Kwh|Ths|Usd|Gpus)$/;

  /**
   * Several answers on the union of their times: a column in one answer keeps its values; one in several (the same
   * metric of several sites) is summed or averaged. A sum with a site missing at that time is a gap, not a dip.
   */
  function merge(parts) {
    const t = [...new Set(parts.flatMap((s) => s.t))].sort((a, b) => a - b);
    const names = [...new Set(parts.flatMap((s) => Object.keys(s.columns)))];
    const lookups = parts.map((s) => ({ s, at: new Map(s.t.map((ms, i) => [ms, i])) }));
    const cols = {};
    for (const name of names) {
      const holders = lookups.filter(({ s }) => s.columns[name]);
      cols[name] = t.map((ms) => {
        const values = holders
          .map(({ s, at }) => (at.has(ms) ? s.columns[name][at.get(ms)] : null))
          .filter((v) => typeof v === 'number');
        if (!values.length) return null;
        const total = values.reduce((a, b) => a + b, 0);
        if (!ADDS_UP.test(name)) return total / values.length;
        return values.length === holders.length ? total : null;
      });
    }
    return { t, columns: cols };
  }

  /** A column by name, or gaps where the answer has none. */
  const pick = (data, name) => data.columns[name] ?? data.t.map(() => null);

  const query = (range) =>
    `from=${encodeURIComponent(new Date(range.fromMs).toISOString())}` +
    `&to=${encodeURIComponent(new Date(range.toMs).toISOString())}&step=${range.stepS}`;

  /** The metrics the operations charts draw from the history (core/telemetry-history/queries.ts SITE_METRICS). */
  const CHART_METRICS = ['power', 'price', 'hashrate', 'money'];

  /** One site's chart metrics over the range, as one set of columns. */
  async function siteSeries(siteId, range) {
    const answers = await Promise.all(
      CHART_METRICS.map((metric) =>
        get(`/v1/sites/${encodeURIComponent(siteId)}/telemetry?${query(range)}&metric=${metric}`),
      ),
    );
    return merge(answers.map((a) => columns(a.points)));
  }

  /** The fleet: every site's columns summed (power, hashrate, money) or averaged (prices) per time. */
  const fleetSeries = async (siteIds, range) => merge(await Promise.all(siteIds.map((id) => siteSeries(id, range))));

  const kpis = async (range) => {
    const response = await get(`/v1/fleet/kpis?${query(range)}`);
    return { response, series: columns(response.points) };
  };

  /** A chosen range as { kind, fromMs, toMs, stepS }; `live` has no bounds. */
  function resolve(choice) {
    const preset = RANGES.find((r) => r.kind === choice.kind);
    if (choice.kind === 'live') return { kind: 'live' };
    if (choice.kind !== 'custom') {
      return { kind: choice.kind, fromMs: simNowMs - preset.spanMs, toMs: simNowMs, stepS: preset.stepS };
    }
    const spanS = (choice.toMs - choice.fromMs) / 1000;
    const stepS = NICE_STEPS_S.find((s) => spanS / s <= 300) ?? NICE_STEPS_S.at(-1);
    return { kind: 'custom', fromMs: choice.fromMs, toMs: choice.toMs, stepS };
  }

  const localInput = (ms) => new Date(ms).toISOString().slice(0, 16);

  /**
   * Buttons for the ranges (aria-pressed) and, for Custom, two UTC date-time fields. `onChange(range)` gets the
   * resolved range; `current()` resolves the choice again (a relative range moves with the clock).
   */
  function rangePicker(container, { live, onChange, initial = live ? 'live' : 'day' }) {
    let choice = { kind: initial };
    const group = el('div', { role: 'group', class: 'chips', 'aria-label': 'Time range' });
    const custom = el('form', { class: 'custom-range' });
    custom.hidden = true;
    const from = el('input', { type: 'datetime-local', name: 'from', 'aria-label': 'From (UTC)', required: '' });
    const to = el('input', { type: 'datetime-local', name: 'to', 'aria-label': 'To (UTC)', required: '' });
    const error = el('output', { class: 'bad' });
    custom.append(el('span', { class: 'muted' }, 'UTC'), from, to, el('button', { type: 'submit' }, 'Apply'), error);
    const buttons = RANGES.filter((r) => live || r.kind !== 'live').map((r) => {
      const b = el(
        'button',
        { type: 'button', 'data-range': r.kind, 'aria-pressed': String(r.kind === initial) },
        r.label,
      );
      b.addEventListener('click', () => {
        for (const other of group.children) other.setAttribute('aria-pressed', String(other === b));
        custom.hidden = r.kind !== 'custom';
        if (r.kind === 'custom') {
          from.value ||= localInput(simNowMs - 24 * HOUR_MS);
          to.value ||= localInput(simNowMs);
          from.focus();
          return;
        }
        choice = { kind: r.kind };
        onChange(resolve(choice));
      });
      return b;
    });
    group.append(...buttons);
    custom.addEventListener('submit', (event) => {
      event.preventDefault();
      const fromMs = Date.parse(`${from.value}Z`);
      const toMs = Date.parse(`${to.value}Z`);
      error.textContent = toMs > fromMs ? '' : 'To must be after From';
      if (!(toMs > fromMs)) return;
      choice = { kind: 'custom', fromMs, toMs };
      onChange(resolve(choice));
    });
    container.replaceChildren(group, custom);
    return { current: () => resolve(choice) };
  }

  /** RFC 4180 text: a header row, then one row per time (ISO 8601 UTC). */
  function csv(data) {
    const names = Object.keys(data.columns);
    const cell = (v) => (v == null ? '' : String(v));
    const rows = data.t.map((ms, i) => [new Date(ms).toISOString(), ...names.map((n) => cell(data.columns[n][i]))]);
    return `${[['time', ...names], ...rows].map((r) => r.join(',')).join('\r\n')}\r\n`;
  }

  function download(filename, text) {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
    const a = el('a', { href: url, download: filename });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  const fileStamp = (range) =>
    `${new Date(range.fromMs).toISOString().slice(0, 16)}_${new Date(range.toMs).toISOString().slice(0, 16)}`.replace(
      /:/g,
      '',
    );

  return {
    setNow,
    operatorKey,
    useOperatorKey,
    HistoryError,
    columns,
    pick,
    siteSeries,
    fleetSeries,
    kpis,
    rangePicker,
    csv,
    download,
    fileStamp,
  };
})();
