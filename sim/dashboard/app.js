// Operations view: polls the observer's JSON (/local/state) and draws the fleet or one site.
/* global HcpCharts, HcpDom, HcpHistory */
(() => {
  const POLL_MS = 1000;
  /** A relative history range (last hour…) moves with the simulated clock: re-read this often while shown. */
  const HISTORY_REFRESH_MS = 30_000;
  const { $, el } = HcpDom;
  const { css } = HcpCharts;
  const fmt = {
    mw: (kw) => (kw == null ? '–' : `${(kw / 1000).toFixed(2)} MW`),
    usd: (v) => (v == null ? '–' : `$${Math.round(v).toLocaleString('en-US')}`),
    price: (v) => (v == null ? '–' : `$${v.toFixed(2)}/MWh`),
    time: (iso) => iso.slice(5, 16).replace('T', ' '),
  };
  const toS = (ms) => ms / 1000;
  const mw = (column) => column.map((v) => (v == null ? null : v / 1000));

  let scope = 'fleet';
  let latest;

  // ---- tabs: the KPI view listens for `hcp:view` to load when shown ----
  HcpDom.tabs((panelId) => window.dispatchEvent(new CustomEvent('hcp:view', { detail: panelId })));

  // ---- charts: the live ones and the history's share the price and money charts' make ----
  const priceChart = (selector) =>
    HcpCharts.create($(selector), [{ label: 'price $/MWh', color: '#ffd866' }], { format: (v) => `$${v}` });
  const moneyChart = (selector) =>
    HcpCharts.create(
      $(selector),
      [
        { label: 'mining', color: css('--asic') },
        { label: 'inference (at GPU spot)', color: css('--gpu') },
        { label: 'energy cost', color: css('--bad') },
      ],
      { format: (v) => `$${Math.round(v)}` },
    );
  const charts = {
    power: HcpCharts.create(
      $('#chart-power'),
      // Stacked by hand, the tallest first so each fill is drawn over the one beneath it.
      [
        { label: '+curtailed', color: css('--curtailed'), fill: 'rgba(139,152,165,0.15)', dash: [4, 4] },
        { label: '+GPU', color: css('--gpu'), fill: 'rgba(79,179,255,0.45)' },
        { label: 'ASIC', color: css('--asic'), fill: 'rgba(242,169,59,0.55)' },
        { label: 'plan', color: '#c792ea', dash: [2, 3] },
        { label: 'cap', color: css('--bad') },
      ],
      { format: (v) => `${v} MW` },
    ),
    price: priceChart('#chart-price'),
    money: moneyChart('#chart-money'),
    market: HcpCharts.create(
      $('#chart-market'),
      [
        { label: 'hashprice ×1000 $/TH/day', color: css('--asic') },
        { label: 'GPU utilisation %', color: css('--gpu') },
      ],
      {},
    ),
  };

  function cumulative(series) {
    const asic = series.asicKw.map((v) => (v == null ? null : v / 1000));
    const both = series.asicKw.map((v, i) => (v == null ? null : (v + (series.gpuKw[i] ?? 0)) / 1000));
    const all = both.map((v, i) => (v == null ? null : v + (series.curtailedKw[i] ?? 0) / 1000));
    return [all, both, asic];
  }

  function injectionWindows(state, siteId) {
    return state.injections
      .filter((i) => siteId === 'fleet' || i.siteIds.includes(siteId))
      .map((i) => ({ fromS: toS(Date.parse(i.from)), untilS: toS(Date.parse(i.until)), label: i.detail }));
  }

  function drawCharts(state) {
    const site = state.sites.find((s) => s.id === scope);
    const series = site ? site.series : state.fleet.series;
    const t = series.t.map(toS);
    charts.power.update([t, ...cumulative(series), mw(series.planKw), mw(series.capKw)]);
    const windows = injectionWindows(state, scope);
    const ladder = (site ? site.ladder : state.sites.flatMap((s) => s.ladder)).filter((r) => r.kind === 'asic');
    const rungs = [...new Map(ladder.map((r) => [r.stopAbovePriceUsdPerMwh.toFixed(0), r])).values()].map((r) => ({
      value: r.stopAbovePriceUsdPerMwh,
      label: `${r.groupId} breakeven $${r.stopAbovePriceUsdPerMwh.toFixed(0)}`,
      color: 'rgba(242,169,59,0.8)',
    }));
    charts.price.update([t, series.priceUsdPerMwh], { windows, lines: rungs });
    charts.money.update([t, series.miningUsd, series.inferenceUsd, series.energyCostUsd], { windows });
    const m = state.market.series;
    const mt = m.t.map(toS);
    // The market and the telemetry come at different instants: the GPU line is put on the market's time axis.
    const util = mt.map((s) => nearest(t, series.gpuUtilizationPct, s));
    charts.market.update([mt, m.hashpriceUsdPerThDay.map((v) => (v == null ? null : v * 1000)), util]);
  }

  function nearest(times, values, at) {
    let best = null;
    for (let i = 0; i < times.length && times[i] <= at; i++) best = values[i];
    return best;
  }

  // ---- panels ----
  function drawScopes(state) {
    const box = $('#scopes');
    const ids = ['fleet', ...state.sites.map((s) => s.id)];
    if (box.childElementCount !== ids.length) {
      box.replaceChildren(
        ...ids.map((id) => {
          const b = el('button', { type: 'button', 'data-scope': id }, id === 'fleet' ? 'Fleet' : id);
          b.addEventListener('click', () => {
            scope = id;
            render(latest);
            if (range.kind !== 'live') void history.now();
          });
          return b;
        }),
      );
      const select = $('#inject-site');
      for (const s of state.sites) select.append(el('option', { value: s.id }, s.id));
    }
    for (const b of box.children) b.setAttribute('aria-pressed', String(b.dataset.scope === scope));
  }

  function kpi(label, value) {
    const box = el('div', { class: 'kpi' });
    box.append(el('div', { class: 'label' }, label), el('div', { class: 'value' }, value));
    return box;
  }

  function drawKpis(state) {
    const sites = scope === 'fleet' ? state.sites : state.sites.filter((s) => s.id === scope);
    const sum = (pick) => sites.reduce((t, s) => t + (pick(s) ?? 0), 0);
    const money = (key) => sum((s) => s.money[key]);
    const prices = sites.map((s) => s.priceUsdPerMwh).filter((p) => p != null);
    const hashprice = state.market.latest?.hashprice.hashpriceUsdPerThDay;
    const net = money('miningUsd') + money('inferenceUsd') - money('energyCostUsd');
    $('#kpis').replaceChildren(
      kpi('ASIC', fmt.mw(sum((s) => s.power?.asicKw))),
      kpi('GPU', fmt.mw(sum((s) => s.power?.gpuKw))),
      kpi('Curtailed', fmt.mw(sum((s) => s.power?.curtailedKw))),
      kpi('Plan', fmt.mw(sum((s) => s.plannedKw))),
      kpi('Site cap', fmt.mw(sum((s) => s.capKw))),
      kpi('Price', prices.length ? fmt.price(Math.max(...prices)) : '–'),
      kpi('Hashprice', hashprice == null ? '–' : `$${hashprice.toFixed(4)}/TH/day`),
      kpi('Mining revenue', fmt.usd(money('miningUsd'))),
      kpi('Inference (GPU spot)', fmt.usd(money('inferenceUsd'))),
      kpi('Energy cost', fmt.usd(money('energyCostUsd'))),
      kpi('Net', fmt.usd(net)),
    );
    $('#mode').textContent = sites
      .map((s) => `${s.id}: ${s.mode ?? '–'}${s.heldGroups.length ? `, held ${s.heldGroups.join(' ')}` : ''}`)
      .join(' · ');
    $('#meter').textContent = sites.map(meterLine).join(' · ');
  }

  /** The site power controller: the meter against the limit, and what the controller holds to stay under it. */
  function meterLine(s) {
    const p = s.sitePower;
    if (!p) return `${s.id}: no meter`;
    const reading = p.measuredKw == null ? '–' : fmt.mw(p.measuredKw);
    const alarm = p.meterAlarm ? ` ALARM (${p.source})` : '';
    return (
      `${s.id}: meter ${reading} / limit ${fmt.mw(p.limitKw)} (${p.limitSource})${alarm}, ` +
      `holding ${p.heldDevices} (${fmt.mw(p.heldKw)}), ${p.sheds} shed / ${p.restores} restored`
    );
  }

  /** Alert groups shown before the rest fold into "more": the first screen stays the fleet's, not a list of alerts. */
  const ALERT_GROUPS_SHOWN = 3;
  let alertsOpen = false;

  function alertLine(group) {
    const line = el('div', { class: 'alert', 'data-count': String(group.count) });
    line.append(
      el('span', { class: 'alert-count' }, `×${group.count}`),
      el('span', {}, ` ${group.siteId} · ${group.kind}: ${group.message}`),
    );
    return line;
  }

  function drawAlerts(state) {
    const groups = state.alertGroups.filter((a) => scope === 'fleet' || a.siteId === scope);
    const shown = groups.slice(0, ALERT_GROUPS_SHOWN).map(alertLine);
    const rest = groups.slice(ALERT_GROUPS_SHOWN);
    if (rest.length) {
      const more = el('details', { class: 'alerts-more' });
      more.open = alertsOpen;
      more.addEventListener('toggle', () => {
        alertsOpen = more.open;
      });
      const total = rest.reduce((t, g) => t + g.count, 0);
      more.append(el('summary', {}, `${rest.length} more (${total} alerts)`), ...rest.map(alertLine));
      shown.push(more);
    }
    $('#alerts').replaceChildren(...shown);
    announceAlertChanges(groups);
  }

  /** Alert groups seen at the last poll, by site, kind and message; undefined until the first poll. */
  let alertKeys;
  const alertKey = (g) => `${g.siteId} · ${g.kind}: ${g.message}`;

  /** Tells a screen reader what changed (new groups, cleared ones), never the same list again. */
  function announceAlertChanges(groups) {
    const keys = new Set(groups.map(alertKey));
    if (alertKeys) {
      const added = [...keys].filter((k) => !alertKeys.has(k));
      const cleared = [...alertKeys].filter((k) => !keys.has(k));
      const news = [
        ...(added.length ? [`New alert: ${added.join('; ')}`] : []),
        ...(cleared.length ? [`Cleared: ${cleared.join('; ')}`] : []),
      ];
      if (news.length) $('#alert-announcer').textContent = news.join('. ');
    }
    alertKeys = keys;
  }

  function drawLists(state) {
    const rows = state.switches
      .filter((s) => scope === 'fleet' || s.siteId === scope)
      .slice(0, 40)
      .map((s) => {
        const tr = el('tr');
        const bad = s.outcome !== 'executed';
        tr.append(
          el('td', {}, fmt.time(s.at)),
          el('td', {}, s.siteId),
          el('td', {}, s.source),
          el('td', {}, s.cause),
          el('td', { class: bad ? 'bad' : 'ok' }, s.outcome),
          el('td', {}, s.latencyMs == null ? '–' : `${s.latencyMs} ms`),
        );
        return tr;
      });
    $('#switches tbody').replaceChildren(...rows);
    $('#injections').replaceChildren(
      ...state.injections.map((i) =>
        el('li', {}, `${fmt.time(i.from)} → ${fmt.time(i.until)} ${i.kind}: ${i.detail} @ ${i.siteIds.join(', ')}`),
      ),
    );
    /** The plan's forecaster, horizon and data age, and why a fallback forecaster planned it. */
    const forecastNote = (f) =>
      f
        ? ` · ${f.forecaster}, ${f.horizonHours} h horizon` +
          (f.dataAgeMinutes != null ? `, data ${Math.round(f.dataAgeMinutes)} min old` : '') +
          (f.fallbackReason ? ` (${f.fallbackReason})` : '')
        : '';
    $('#dispatches').replaceChildren(
      ...state.dispatches.recent.map((d) =>
        el(
          'li',
          {},
          `${fmt.time(d.at)} OptimizeFlow ${d.status} in ${d.durationMs} ms${d.error ? ` (${d.error})` : ''}${forecastNote(d.forecast)}`,
        ),
      ),
    );
    const sites = scope === 'fleet' ? state.sites : state.sites.filter((s) => s.id === scope);
    const utils = sites.map((s) => s.power?.gpuUtilizationPct).filter((u) => u != null);
    const facts = [
      ['GPU utilisation', utils.length ? `${(utils.reduce((a, b) => a + b, 0) / utils.length).toFixed(1)} %` : '–'],
      ['Busy GPUs', Math.round(sites.reduce((t, s) => t + (s.power?.busyGpus ?? 0), 0)).toString()],
    ];
    const work = state.workloads;
    if (work) {
      facts.push(
        ['Jobs queued at sites', String(work.queueDepth)],
        ['Jobs running', String(work.running)],
        ['Completed / failed', `${work.completed} / ${work.failed}`],
        ['Preemptions', String(work.preemptions)],
        ['Webhooks delivered', String(work.webhookDeliveries)],
      );
      // Each pool's deployment (#29): the version it serves, its replicas by version and state, warm-ups charged.
      for (const d of (work.deployments ?? []).filter((p) => scope === 'fleet' || p.siteId === scope)) {
        const replicas = d.replicas
          .map((r) => {
            const states = ['ready', 'warming', 'loading', 'draining'].filter((k) => r[k] > 0);
            return `${r.version}: ${states.map((k) => `${r[k]} ${k}`).join(', ')}`;
          })
          .join('; ');
        facts.push([
          `${d.poolId} serves`,
          `${d.modelId.split('/').pop()}@${d.version} — ${replicas || 'scaled to zero'} — ${d.warmups} warm-ups, ${d.warmupEnergyKwh.toFixed(3)} kWh`,
        ]);
      }
    }
    drawPartner(work?.partner);
    $('#gpu-facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  }

  /** The partner cloud's share: work no site could run in time, sent to it (#28). */
  function drawPartner(partner) {
    const facts = partner
      ? [
          ['Sent to the partner', String(partner.sent)],
          ['Completed / failed there', `${partner.completed} / ${partner.failed}`],
          ['Share of completed jobs', `${(partner.shareOfCompleted * 100).toFixed(1)} %`],
        ]
      : [['Partner', 'none configured']];
    $('#partner-facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  }

  const BOOK_LEVELS_SHOWN = 10;

  /** The bid market (issue 28): the order book, the latest clearings and the partner's share of the work. */
  function drawBids(state) {
    const bids = state.bids;
    $('#bid-market').hidden = !bids;
    if (!bids) return;
    const short = (model) => model.split('/').pop();
    $('#bid-book tbody').replaceChildren(
      // The top of each model's book: the levels a clearing reaches first.
      ...bids.book.flatMap((book) =>
        book.levels.slice(0, BOOK_LEVELS_SHOWN).map((level) => {
          const tr = el('tr');
          tr.append(
            el('td', {}, short(book.modelClass)),
            el('td', {}, level.limitUsdPerGpuHour.toFixed(2)),
            el('td', {}, level.gpuHours.toFixed(1)),
            el('td', {}, String(level.bids)),
            el('td', {}, level.cumulativeGpuHours.toFixed(1)),
          );
          return tr;
        }),
      ),
    );
    $('#bid-clearings tbody').replaceChildren(
      ...bids.clearings.map((c) => {
        const atSites = c.fills.filter((f) => f.venue !== 'partner');
        const atPartner = c.fills.length - atSites.length;
        const filled = atSites.reduce((a, f) => a + f.gpuHours, 0);
        const tr = el('tr');
        tr.append(
          el('td', {}, fmt.time(c.intervalStart)),
          el('td', {}, short(c.modelClass)),
          el('td', {}, c.priceUsdPerGpuHour == null ? '–' : c.priceUsdPerGpuHour.toFixed(2)),
          el('td', {}, `${filled.toFixed(1)} / ${c.capacityGpuHours.toFixed(1)}`),
          el('td', {}, atPartner > 0 ? `${c.fills.length} (${atPartner} at partner)` : String(c.fills.length)),
          el('td', {}, c.skipped.map((k) => k.reason).join(', ') || '–'),
        );
        return tr;
      }),
    );
    $('#bid-partner-share').textContent =
      bids.partnerShare == null
        ? '· partner share: –'
        : `· partner share: ${(bids.partnerShare * 100).toFixed(1)} % of bid GPU-h`;
  }

  function render(state) {
    if (!state) return;
    $('#sim-now').textContent = `${state.simNow.slice(0, 16).replace('T', ' ')} UTC (sim)`;
    drawScopes(state);
    drawKpis(state);
    drawAlerts(state);
    drawCharts(state);
    drawLists(state);
    drawBids(state);
  }

  async function poll() {
    try {
      const response = HcpDom.noteSource(await fetch('/local/state', { cache: 'no-store' }));
      latest = await response.json();
      HcpHistory.setNow(Date.parse(latest.simNow));
      render(latest);
      document.body.dataset.ready = 'true';
      // Polls drawn so far: what a test waits on to know the page has looked again.
      document.body.dataset.polls = String(Number(document.body.dataset.polls ?? 0) + 1);
    } catch (error) {
      $('#alerts').replaceChildren(el('div', { class: 'alert' }, `platform unreachable: ${error.message}`));
    }
  }

  // ---- history: the range picker swaps the live charts for the history API's series ----
  const historyCharts = {
    power: HcpCharts.create(
      $('#chart-h-power'),
      [
        { label: 'site', color: css('--text') },
        { label: 'ASIC', color: css('--asic') },
        { label: 'GPU', color: css('--gpu') },
        { label: 'curtailed', color: css('--curtailed'), dash: [4, 4] },
        { label: 'limit', color: css('--bad') },
      ],
      { format: (v) => `${v} MW` },
    ),
    price: priceChart('#chart-h-price'),
    // The unit in the caption: a fleet's PH/s run to four digits, wider than the axis.
    hashrate: HcpCharts.create($('#chart-h-hashrate'), [{ label: 'hashrate PH/s', color: css('--asic') }], {
      describe: (v) => `${v} PH/s`,
    }),
    money: moneyChart('#chart-h-money'),
  };
  let range = { kind: 'live' };
  let historyData;

  async function loadHistory() {
    if (range.kind === 'live' || !latest) return;
    range = picker.current();
    const status = $('#ops-range-status');
    status.textContent = 'loading…';
    try {
      const { pick } = HcpHistory;
      historyData =
        scope === 'fleet'
          ? await HcpHistory.fleetSeries(
              latest.sites.map((s) => s.id),
              range,
            )
          : await HcpHistory.siteSeries(scope, range);
      const d = historyData;
      const t = d.t.map(toS);
      historyCharts.power.update([
        t,
        mw(pick(d, 'siteKw')),
        mw(pick(d, 'asicKw')),
        mw(pick(d, 'gpuKw')),
        mw(pick(d, 'curtailedKw')),
        mw(pick(d, 'limitKw')),
      ]);
      historyCharts.price.update([t, pick(d, 'priceUsdPerMwh')]);
      historyCharts.hashrate.update([t, pick(d, 'hashrateThs').map((v) => (v == null ? null : v / 1000))]);
      historyCharts.money.update([t, pick(d, 'miningUsd'), pick(d, 'inferenceUsd'), pick(d, 'energyCostUsd')]);
      status.textContent = `${d.t.length} points, every ${range.stepS / 60} min`;
      $('#history-charts').dataset.loaded = 'true';
    } catch (error) {
      historyData = undefined;
      const keyHint = error.status === 401 || error.status === 403 ? ' (enter it on the KPIs tab)' : '';
      status.textContent = `history: ${error.message}${keyHint}`;
    }
  }

  const history = HcpDom.every(HISTORY_REFRESH_MS, loadHistory);
  const picker = HcpHistory.rangePicker($('#ops-range'), {
    live: true,
    onChange(next) {
      range = next;
      $('#live-charts').hidden = range.kind !== 'live';
      $('#history-charts').hidden = range.kind === 'live';
      $('#ops-range-status').textContent = '';
      window.dispatchEvent(new Event('resize'));
      void history.now();
    },
  });

  /** The charts' data as shown: the history API's columns, or the observer's live series for the scope. */
  $('#ops-csv').addEventListener('click', () => {
    if (range.kind !== 'live') {
      if (historyData)
        HcpHistory.download(`hcp-${scope}-${HcpHistory.fileStamp(range)}.csv`, HcpHistory.csv(historyData));
      return;
    }
    const site = latest?.sites.find((s) => s.id === scope);
    const series = site ? site.series : latest?.fleet.series;
    if (!series) return;
    const columns = Object.fromEntries(Object.entries(series).filter(([k, v]) => k !== 't' && Array.isArray(v)));
    HcpHistory.download(`hcp-${scope}-live.csv`, HcpHistory.csv({ t: series.t, columns }));
  });

  // ---- injection ----
  const form = $('#inject-form');
  const syncKind = () => {
    form.querySelector('.price-only').hidden = form.kind.value !== 'price-spike';
  };
  form.kind.addEventListener('change', syncKind);
  syncKind();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    // An ancillary deployment is a demand-response signal naming its product: the gateway sheds its armed award.
    const product = ['ECRS', 'NSPIN'].includes(form.kind.value) ? form.kind.value : undefined;
    const kind = product ? 'demand-response' : form.kind.value;
    const body = { kind, durationMinutes: Number(form.durationMinutes.value), ...(product ? { product } : {}) };
    if (body.kind === 'price-spike') body.priceUsdPerMwh = Number(form.priceUsdPerMwh.value);
    if (form.site.value) body.siteIds = [form.site.value];
    const response = await fetch('/local/inject', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = await response.json();
    $('#inject-result').textContent = response.ok
      ? `injected until ${json.until.slice(11, 16)} (sim) at ${json.siteIds.join(', ')}`
      : `refused: ${json.error.message}`;
  });

  HcpDom.info
    .then((info) => {
      $('#speed').textContent = `${info.speed}× · ${info.market}`;
    })
    .catch(() => {});
  HcpDom.every(POLL_MS, poll);

  // Installable and readable offline: the service worker keeps the shell and the last data (sim/dashboard/sw.js).
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js').catch((error) => console.warn('service worker:', error.message));
  }
})();
