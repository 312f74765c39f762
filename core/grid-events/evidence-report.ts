import { csvField } from '../metering/statement.js';
import type { GridEventEvidence } from './evidence.js';

/**
 * The evidence as a spreadsheet (CSV) and as a page a person can print (HTML): the same figures as the JSON, which
 * stays the stored, hashed original. Pure.
 */
export const EVIDENCE_CSV_COLUMNS = [
  'section',
  'at',
  'name',
  'value',
  'deviceId',
  'groupId',
  'state',
  'powerW',
] as const;

function summaryRows(e: GridEventEvidence): Array<[string, string | number]> {
  const { event, baseline, curve, settlement } = e;
  const optional = (value: number | undefined) => (value === undefined ? '' : value);
  return [
    ['event.id', event.id],
    ['event.kind', event.kind],
    ['event.program', event.program],
    ['event.siteId', event.siteId],
    ['event.startAt', event.startAt],
    ['event.endAt', event.endAt ?? ''],
    ['event.committedMw', event.committedMw],
    ['event.cause', event.cause],
    ['meter.basis', e.meterBasis ? `facility: device sum × PUE ${e.meterBasis.pue}` : 'IT: device sum (version 1)'],
    ['baseline.method', baseline.method],
    ['baseline.citation', baseline.citation],
    ['baseline.wanted', baseline.wanted ?? ''],
    ['baseline.fallbackReason', baseline.fallbackReason ?? ''],
    ['curve.secondsTo50Pct', optional(curve.secondsTo50Pct)],
    ['curve.secondsTo95Pct', optional(curve.secondsTo95Pct)],
    ['curve.sustainedMw', optional(curve.sustainedMw)],
    ['curve.recoverySeconds', optional(curve.recoverySeconds)],
    ['settlement.reductionMwh', settlement.reductionMwh],
    ['settlement.performanceFactor', settlement.performanceFactor],
    ['settlement.avoidedEnergyCostUsd', optional(settlement.avoidedEnergyCostUsd)],
    ['settlement.capacityCreditUsd', optional(settlement.capacityCreditUsd)],
    ['settlement.shortfallPenaltyUsd', optional(settlement.shortfallPenaltyUsd)],
    ['settlement.fourCpChargeAvoidedUsd', optional(settlement.fourCpChargeAvoidedUsd)],
    ['fourCp.peakProbability', optional(event.fourCp?.peakProbability)],
    ['fourCp.forecastAt', event.fourCp?.forecastAt ?? ''],
    ['fourCp.loadKnownTo', event.fourCp?.loadKnownTo ?? ''],
    ['fourCp.planVersion', optional(event.fourCp?.planVersion)],
    ['settlement.estimatedUsd', settlement.estimatedUsd],
  ];
}

const switchDevices = (w: NonNullable<GridEventEvidence['switches']>[number]) =>
  w.devices ? `${w.devices.accepted}/${w.devices.sent} ${w.devices.ids.join(' ')}` : '';

/** One table: `summary` rows (name, value), `baseline` and `curve` rows (at, name = metered/baseline kW), `device` rows. */
export function evidenceCsv(e: GridEventEvidence): string {
  const rows: Array<Array<string | number>> = [[...EVIDENCE_CSV_COLUMNS]];
  for (const [name, value] of summaryRows(e)) rows.push(['summary', '', name, value, '', '', '', '']);
  for (const interval of e.baseline.intervals) {
    rows.push(['baseline', interval.startAt, 'baselineKw', interval.baselineKw, '', '', '', '']);
  }
  for (const p of e.curve.points) {
    rows.push(['curve', p.at, 'meteredKw', p.meteredKw, '', '', '', '']);
    rows.push(['curve', p.at, 'reductionKw', p.reductionKw, '', '', '', '']);
  }
  for (const d of e.devices) {
    for (const c of d.changes) rows.push(['device', c.at, '', '', d.deviceId, d.groupId, c.state, c.powerW]);
  }
  for (const w of e.switches ?? []) {
    rows.push(['switch', w.at, `${w.source}:${w.cause ?? w.action}`, switchDevices(w), '', '', '', '']);
  }
  return `${rows.map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
}

const escapeHtml = (text: string | number) =>
  String(text).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** The response curve as an inline SVG: metered kW (solid) against the baseline (dashed), the event shaded. */
function curveSvg(e: GridEventEvidence): string {
  const points = e.curve.points;
  if (points.length === 0) return '<p>No meter readings in the window.</p>';
  const [width, height, pad] = [720, 240, 30];
  const fromMs = Date.parse(e.window.from);
  const spanMs = Math.max(1, Date.parse(e.window.to) - fromMs);
  const maxKw = Math.max(1, ...points.flatMap((p) => [p.meteredKw, p.baselineKw]));
  const x = (at: string) => (pad + ((Date.parse(at) - fromMs) / spanMs) * (width - 2 * pad)).toFixed(1);
  const y = (kw: number) => (height - pad - (kw / maxKw) * (height - 2 * pad)).toFixed(1);
  const line = (value: (p: (typeof points)[number]) => number) =>
    points.map((p) => `${x(p.at)},${y(value(p))}`).join(' ');
  const startX = Number(x(e.event.startAt));
  const endX = Number(x(e.event.endAt ?? e.window.to));
  return `<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="response curve">
<rect x="${startX}" y="${pad}" width="${Math.max(0, endX - startX)}" height="${height - 2 * pad}" fill="#fde2e2"/>
<polyline fill="none" stroke="#555" stroke-dasharray="6 4" points="${line((p) => p.baselineKw)}"/>
<polyline fill="none" stroke="#0b5cad" stroke-width="2" points="${line((p) => p.meteredKw)}"/>
<text x="${pad}" y="${pad - 8}" font-size="12">${escapeHtml(maxKw.toFixed(0))} kW</text>
<text x="${pad}" y="${height - 8}" font-size="12">${escapeHtml(e.window.from)} → ${escapeHtml(e.window.to)}</text>
</svg>`;
}

/** A self-contained page (no script, no external asset) that prints on A4 or Letter. */
export function evidenceHtml(e: GridEventEvidence, sha256: string): string {
  const summary = summaryRows(e)
    .map(([name, value]) => `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`)
    .join('');
  const devices = e.devices
    .map(
      (d) =>
        `<tr><td>${escapeHtml(d.deviceId)}</td><td>${escapeHtml(d.groupId)}</td><td>${escapeHtml(d.secondsToFirstChange ?? '—')}</td><td>${d.changes
          .map((c) => `${escapeHtml(c.at)} ${escapeHtml(c.state)} (${escapeHtml(c.powerW)} W)`)
          .join('<br>')}</td></tr>`,
    )
    .join('');
  const switches = (e.switches ?? [])
    .map(
      (w) =>
        `<tr><td>${escapeHtml(w.at)}</td><td>${escapeHtml(w.secondsFromStart)}</td><td>${escapeHtml(w.source)}</td><td>${escapeHtml(w.cause ?? w.action)}</td><td>${escapeHtml(w.latencyMs ?? '')}</td><td>${escapeHtml(switchDevices(w))}</td></tr>`,
    )
    .join('');
  const notes = e.settlement.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>M&amp;V evidence ${escapeHtml(e.event.id)}</title>
<style>body{font-family:system-ui,sans-serif;margin:1.5rem;color:#111}table{border-collapse:collapse;margin:0.5rem 0}
th,td{border:1px solid #bbb;padding:0.2rem 0.4rem;text-align:left;vertical-align:top;font-size:0.85rem}
code{word-break:break-all}@media print{body{margin:0}h2{break-after:avoid}tr{break-inside:avoid}}</style></head>
<body><h1>M&amp;V evidence: ${escapeHtml(e.event.kind)} at ${escapeHtml(e.event.siteId)}</h1>
<p>${escapeHtml(e.event.cause)}. ${escapeHtml(e.event.startAt)} → ${escapeHtml(e.event.endAt ?? 'open')}. Computed ${escapeHtml(e.computedAt)}.</p>
<p>SHA-256 of the stored JSON: <code>${escapeHtml(sha256)}</code> (recorded in the platform audit chain).</p>
<h2>Summary</h2><table>${summary}</table>
<h2>Response curve</h2>${curveSvg(e)}
<h2>Estimated settlement</h2><ul>${notes}</ul>
<h2>Switches</h2><p>The site's switch history in the window: the gateway's own (local) and the SwitchFlows'.</p>
<table><tr><th>at</th><th>s from start</th><th>source</th><th>cause</th><th>latency ms</th><th>devices accepted/sent</th></tr>${switches}</table>
<h2>Devices</h2><table><tr><th>device</th><th>group</th><th>s to first change</th><th>changes</th></tr>${devices}</table>
</body></html>
`;
}
