import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { fourCpUsdPerMwPerPeak } from '../../core/economics/transmission.js';
import { DEFAULT_FOUR_CP_SETTINGS, ERCOT_FOUR_CP, monthlyPeaks } from '../../core/forecast/four-cp.js';
import { type CliSpec, runCli } from '../cli/args.js';
import { readSystemLoadFile, SYSTEM_LOAD_FILE } from '../data/market-files.js';
import { scoreSummers, walkForward } from './four-cp-scores.js';

/**
 * Scores the 4CP forecaster (core/forecast/four-cp.ts) walking forward over each summer of a system-load file: at the
 * start of every hour of June–September it forecasts from the load known then, and the hour is curtailed when its
 * probability of holding the month's peak reaches a threshold. Per summer and threshold: peaks caught, hours curtailed
 * per peak caught, false-alarm days, and the expected number of peaks (Σ probability: four when calibrated).
 */
const flags = z.strictObject({
  systemLoad: z.string().min(1).default(SYSTEM_LOAD_FILE),
  thresholds: z
    .string()
    .default('0.02,0.05,0.1,0.2')
    .transform((list) => list.split(',').map(Number))
    .refine((list) => list.every((t) => t > 0 && t <= 1), 'expected probabilities in (0, 1]'),
  marginUsdPerMwh: z.coerce.number().nonnegative().default(70),
  transmissionUsdPerKwYear: z.coerce.number().positive().default(66),
  delayMinutes: z.coerce.number().int().nonnegative().default(ERCOT_FOUR_CP.loadPublicationDelayMinutes),
  out: z.string().min(1).optional(),
});

const spec: CliSpec<typeof flags> = {
  command: 'forecast:four-cp',
  usage:
    'npm run forecast:four-cp -- [flags]\n\nWalks the 4CP forecaster forward over each summer of the system-load file and prints peaks caught, hours curtailed per peak caught and false alarms.',
  flags,
  help: {
    systemLoad: ['FILE', 'hourly system load (the shipped native-load layout)'],
    thresholds: ['a,b', 'probabilities at which an hour is curtailed (the breakeven one is added)'],
    marginUsdPerMwh: 'mining margin given up per MWh curtailed, for the breakeven threshold',
    transmissionUsdPerKwYear: 'transmission charge set by the 4CP, for the breakeven threshold',
    delayMinutes: 'minutes after an hour ends until its system load is known',
    out: ['FILE', 'also write the scores as JSON'],
  },
};

function main(values: z.output<typeof flags>): void {
  const record = readSystemLoadFile(values.systemLoad);
  const rules = { ...ERCOT_FOUR_CP, loadPublicationDelayMinutes: values.delayMinutes };
  const began = Date.now();
  const calls = walkForward(record, rules, DEFAULT_FOUR_CP_SETTINGS);
  const peaks = monthlyPeaks(record, rules);
  // Curtailing a MW for an hour gives up the margin and saves the hour's probability × the charge of one peak.
  const breakeven =
    values.marginUsdPerMwh / fourCpUsdPerMwPerPeak({ transmissionUsdPerKwYear: values.transmissionUsdPerKwYear });
  const thresholds = [breakeven, ...values.thresholds].sort((a, b) => a - b);
  const scores = thresholds.flatMap((t) => scoreSummers(calls, peaks, t, rules.timeZone));
  console.log(
    `4CP forecaster, walking forward hourly over ${values.systemLoad}: load known ${values.delayMinutes} min after its hour; no temperature; breakeven probability ${breakeven.toFixed(4)} (margin $${values.marginUsdPerMwh}/MWh, $${values.transmissionUsdPerKwYear}/kW-year)`,
  );
  console.log(
    `peaks: ${peaks.map((p) => `${p.month} ${new Date(p.hourStartMs).toISOString()} ${Math.round(p.loadMw)} MW`).join('; ')}`,
  );
  console.table(
    scores.map((s) => ({
      summer: s.summer,
      threshold: Number(s.threshold.toFixed(4)),
      peaks: s.peaks,
      caught: s.peaksCaught,
      'hours curtailed': s.hoursCurtailed,
      'hours / peak caught': s.hoursPerPeakCaught === null ? '—' : Number(s.hoursPerPeakCaught.toFixed(1)),
      'alarm days': s.alarmDays,
      'false-alarm days': s.falseAlarmDays,
      'expected peaks': Number(s.expectedPeaks.toFixed(2)),
    })),
  );
  const months = scores.filter((s) => s.threshold === thresholds[0]).flatMap((s) => Object.entries(s.expectedByMonth));
  console.log(
    `expected peaks by month (Σ p, one when calibrated): ${months.map(([m, e]) => `${m} ${e.toFixed(2)}`).join(', ')}`,
  );
  console.log(`walk-forward time ${((Date.now() - began) / 1000).toFixed(1)} s`);
  if (values.out) writeFileSync(values.out, `${JSON.stringify({ breakeven, peaks, scores }, null, 2)}\n`);
}

runCli(spec, main);
