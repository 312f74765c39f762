// The history API as the dashboard reads it: time ranges on the simulated clock, the operator's key, responses as
// columns, a range picker, and CSV export.
//   GET /v1/sites/{siteId}/telemetry?from&to&step  → one site's series
//   GET /v1/fleet/kpis?from&to&step                → the fleet's KPIs, as totals over the range and as series
// `step` is in seconds; times are ISO 8601 UTC. `columns()` is the one place that knows the responses' shape.
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

  const toMs = (t) => (typeof t === 'number' ? (t < 1e11 ? t * 1000 : t) : Date.parse(t));
  const TIME_KEYS = ['t', 'at', 'time', 'timestamp', 'bucket', 'from'];

  /**
   * A response as { t: ms[], columns: { name: (number|null)[] } }. Takes columns (`series: { t: [...], x: [...] }`),
   * rows (`items`/`points`/`rows`/`series: [{ t, x, … }]`) or one list per metric (`series: [{ metric, points }]`).
   */
  function columns(response) {
    const body = response.series ?? response.items ?? response.points ?? response.rows ?? [];
    if (!Array.isArray(body)) {
      const t = (body.t ?? body.time ?? []).map(toMs);
      const cols = Object.fromEntries(
        Object.entries(body).filter(([k, v]) => !TIME_KEYS.includes(k) && Array.isArray(v)),
      );
      return { t, columns: cols };
    }
    if (body.length && body[0].metric !== undefined && Array.isArray(body[0].points)) {
      const times = [...new Set(body.flatMap((s) => s.points.map((p) => toMs(p.t ?? p.at ?? p.time))))].sort(
        (a, b) => a - b,
      );
      const cols = {};
      for (const s of body) {
        const byT = new Map(s.points.map((p) => [toMs(p.t ?? p.at ?? p.time), p.value]));
        cols[s.metric] = times.map((t) => byT.get(t) ?? null);
      }
      return { t: times, columns: cols };
    }
    const timeKey = TIME_KEYS.find((k) => body[0]?.[k] !== undefined) ?? 't';
    const names = [...new Set(body.flatMap((row) => Object.keys(row)))].filter(
      (k) => k !== timeKey && body.some((row) => typeof row[k] === 'number'),
    );
    return {
      t: body.map((row) => toMs(row[timeKey])),
      columns: Object.fromEntries(
        names.map((k) => [k, body.map((row) => (typeof row[k] === 'number' ? row[k] : null))]),
      ),
    };
  }

  /** The first column present among `names` (the API's naming, with the older spellings beside it). */
  const pick = (data, ...names) => {
    const name = names.find((n) => data.columns[n]);
    return name ? data.columns[name] : data.t.map(() => null);
  };

  const query = (range) =>
    `from=${encodeURIComponent(new Date(range.fromMs).toISOString())}` +
    `&to=${encodeURIComponent(new Date(range.toMs).toISOString())}&step=${range.stepS}`;

  const siteSeries = async (siteId, range) =>
    columns(await get(`/v1/sites/${encodeURIComponent(siteId)}/telemetry?${query(range)}`));

  /** Quantities that add across sites (power, energy, hashrate, money); the rest (price) averages. */
  const ADDS_UP = /(Kw|Kwh|Mw|Ths|Phs|Usd|Count)$/;

  /** The fleet: every site's series on the union of their times, summed or averaged per column. */
  async function fleetSeries(siteIds, range) {
    const sites = await Promise.all(siteIds.map((id) => siteSeries(id, range)));
    const t = [...new Set(sites.flatMap((s) => s.t))].sort((a, b) => a - b);
    const names = [...new Set(sites.flatMap((s) => Object.keys(s.columns)))];
    const cols = {};
    for (const name of names) {
      const lookups = sites.map((s) => new Map(s.t.map((ms, i) => [ms, s.columns[name]?.[i]])));
      cols[name] = t.map((ms) => {
        const values = lookups.map((m) => m.get(ms)).filter((v) => typeof v === 'number');
        if (!values.length) return null;
        const total = values.reduce((a, b) => a + b, 0);
        return ADDS_UP.test(name) ? total : total / values.length;
      });
    }
    return { t, columns: cols };
  }

  const kpis = async (range) => {
    const response = await get(`/v1/fleet/kpis?${query(range)}`);
    return { response, series: columns(response) };
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
