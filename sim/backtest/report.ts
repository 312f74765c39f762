import type { BacktestData } from '../../core/strategies/context.js';
import type { MonthCapture, StrategyRun, StrategySummary } from './run.js';
import type { CostlyInterval } from './trace.js';

/** Self-contained HTML: inline SVG charts, no scripts, no CDN. */
const WIDTH = 960;
const HEIGHT = 220;
const PAD = 48;
const COLORS = ['#555', '#d62728', '#ff7f0e', '#1f77b4', '#2ca02c', '#9467bd', '#8c564b'];

/** Keeps charts light: at most ~1,000 points per line (max per bucket, so spikes stay visible). */
function downsample(values: readonly number[], maxPoints = 1000): { index: number; value: number }[] {
  const bucket = Math.max(1, Math.ceil(values.length / maxPoints));
  const out: { index: number; value: number }[] = [];
  for (let i = 0; i < values.length; i += bucket) {
    let best = values[i]!;
    for (let j = i; j < Math.min(values.length, i + bucket); j += 1)
      if (Math.abs(values[j]!) > Math.abs(best)) best = values[j]!;
    out.push({ index: i, value: best });
  }
  return out;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

function chart(
  title: string,
  series: ReadonlyArray<{ label: string; values: readonly number[] }>,
  unit: string,
  stacked = false,
): string {
  const n = Math.max(...series.map((s) => s.values.length), 1);
  const lines = stacked
    ? series.map((s, k) => ({
        label: s.label,
        values: s.values.map((_, i) => series.slice(0, k + 1).reduce((a, x) => a + (x.values[i] ?? 0), 0)),
      }))
    : series;
  const all = lines.flatMap((s) => s.values);
  const min = Math.min(0, ...all);
  const max = Math.max(1e-9, ...all);
  const x = (i: number) => PAD + (i / Math.max(1, n - 1)) * (WIDTH - 2 * PAD);
  const y = (v: number) => HEIGHT - PAD / 2 - ((v - min) / (max - min)) * (HEIGHT - PAD);
  const paths = lines
    .map((s, k) => {
      const d = downsample(s.values)
        .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.index).toFixed(1)},${y(p.value).toFixed(1)}`)
        .join('');
      return `<path d="${d}" fill="none" stroke="${COLORS[k % COLORS.length]}" stroke-width="1.2"/>`;
    })
    .join('');
  const legend = lines
    .map((s, k) => `<tspan fill="${COLORS[k % COLORS.length]}">■ ${escapeHtml(s.label)} </tspan>`)
    .join('');
  return `<h3>${escapeHtml(title)}</h3><svg width="${WIDTH}" height="${HEIGHT + 20}" xmlns="http://www.w3.org/2000/svg">
<line x1="${PAD}" y1="${y(0)}" x2="${WIDTH - PAD}" y2="${y(0)}" stroke="#ccc"/>
<text x="4" y="${y(max) + 4}" font-size="10">${max.toFixed(0)} ${unit}</text><text x="4" y="${y(min)}" font-size="10">${min.toFixed(0)}</text>
${paths}<text x="${PAD}" y="${HEIGHT + 16}" font-size="11">${legend}</text></svg>`;
}

export function renderReport(
  data: BacktestData,
  runs: readonly StrategyRun[],
  summaries: readonly StrategySummary[],
  extra: { monthly: readonly MonthCapture[]; costliest: readonly CostlyInterval[]; note: string },
): string {
  const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : v.toFixed(1));
  const monthRows = extra.monthly
    .map(
      (m) =>
        `<tr><td>${m.month}${m.full ? '' : ' (partial)'}</td><td>${m.oracleUpliftUsd?.toFixed(0) ?? '—'}</td><td>${m.judged ? 'yes' : 'no'}</td>${runs.map((r) => `<td>${pct(m.strategies[r.name]?.oracleUpliftCapturedPct)}</td>`).join('')}</tr>`,
    )
    .join('');
  const costlyRows = extra.costliest
    .map(
      (c) =>
        `<tr><td>${c.timeUtc}</td><td>${c.lostUsd.toFixed(0)}</td><td>${c.settledPriceUsdPerMwh.toFixed(2)}</td><td>${c.plannedPriceUsdPerMwh?.toFixed(2) ?? '—'}</td><td>${c.knownRtThroughUtc}</td></tr>`,
    )
    .join('');
  const from = new Date(data.startMs).toISOString().slice(0, 16);
  const to = new Date(data.startMs + data.steps * data.stepMinutes * 60_000).toISOString().slice(0, 16);
  const rows = summaries
    .map(
      (s) =>
        `<tr><td>${escapeHtml(s.name)}</td><td>${s.netProfitUsd.toFixed(0)}</td><td>${s.upliftOverStaticUsd?.toFixed(0) ?? '—'}</td><td>${s.oracleUpliftCapturedPct?.toFixed(1) ?? '—'}</td><td>${s.switchCount}</td><td>${s.slaViolations}</td><td>${s.gpuUtilizationPct.toFixed(1)}</td><td>${s.solveTimeP50Ms.toFixed(1)}</td></tr>`,
    )
    .join('');
  const best = runs.find((r) => r.name === 'mpc') ?? runs[runs.length - 1];
  const powerCharts = best
    ? data.sites
        .map((site, s) =>
          chart(
            `Power split, ${site.id} (${best.name})`,
            [
              { label: 'ASIC kW', values: best.asicKw[s]! },
              { label: 'GPU kW', values: best.gpuKw[s]! },
            ],
            'kW',
            true,
          ),
        )
        .join('')
    : '';
  return `<!doctype html><html><head><meta charset="utf-8"><title>HCP backtest ${from} → ${to}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}</style></head><body>
<h1>HCP backtest</h1><p>${from} → ${to} UTC, ${data.steps} intervals of ${data.stepMinutes} min, sites: ${data.sites.map((s) => escapeHtml(s.id)).join(', ')}</p>
<table><tr><th>strategy</th><th>net $</th><th>uplift $</th><th>oracle uplift %</th><th>switches</th><th>SLA viol.</th><th>GPU util %</th><th>solve p50 ms</th></tr>${rows}</table>
<p><em>${escapeHtml(extra.note)}</em></p>
<h3>Oracle uplift captured by month, %</h3>
<table><tr><th>month</th><th>oracle uplift $</th><th>judged</th>${runs.map((r) => `<th>${escapeHtml(r.name)}</th>`).join('')}</tr>${monthRows}</table>
<h3>mpc's ten costliest intervals against mpc-perfect</h3>
<table><tr><th>interval start (UTC)</th><th>lost $</th><th>settled $/MWh</th><th>mpc planned on $/MWh</th><th>RT known through</th></tr>${costlyRows}</table>
${chart('Real-time price', [{ label: 'RT $/MWh', values: data.truth.priceUsdPerMwh }], '$/MWh')}
${chart('Hashprice', [{ label: '$/PH/day', values: data.truth.hashpriceUsdPerThDay.map((v) => v * 1000) }], '$/PH/d')}
${chart(
  'Cumulative net profit',
  runs.map((r) => ({ label: r.name, values: r.cumulativeNetUsd })),
  '$',
)}
${powerCharts}
</body></html>
`;
}
