import { z } from 'zod';
import { isoInstantSchema, nonNegative } from '../support/schema.js';
import { type Baseline, baselineKwAt } from './baseline.js';
import type { MeterReading } from './telemetry.js';

/**
 * The response curve of a grid event from the site meter against its baseline: when the reduction reached 50% and
 * 95% of the committed MW (seconds after the start), the MW sustained from the 95% point (or the start, if never
 * reached) to the end, and how long after the end the load came back within `RECOVERED_FRACTION` of the committed MW
 * of its baseline. Undefined where the telemetry does not show it (never reached, not recovered in the data).
 */
export const RECOVERED_FRACTION = 0.05;

export const curvePointSchema = z.object({
  at: isoInstantSchema,
  meteredKw: nonNegative,
  baselineKw: nonNegative,
  reductionKw: z.number(),
});
export type CurvePoint = z.infer<typeof curvePointSchema>;

export const responseCurveSchema = z.object({
  committedMw: nonNegative,
  secondsTo50Pct: nonNegative.optional(),
  secondsTo95Pct: nonNegative.optional(),
  sustainedMw: z.number().optional(),
  /** Seconds from the end until the load was back near its baseline. */
  recoverySeconds: nonNegative.optional(),
  points: z.array(curvePointSchema),
});
export type ResponseCurve = z.infer<typeof responseCurveSchema>;

export function responseCurve(
  meter: readonly MeterReading[],
  baseline: Baseline,
  window: { readonly startMs: number; readonly endMs: number },
  committedMw: number,
): ResponseCurve {
  const { startMs, endMs } = window;
  const points = meter.map((r) => {
    const atMs = Date.parse(r.at);
    const baselineKw = baselineKwAt(baseline, atMs);
    return { atMs, point: { at: r.at, meteredKw: r.sitePowerKw, baselineKw, reductionKw: baselineKw - r.sitePowerKw } };
  });
  const committedKw = committedMw * 1000;
  const during = points.filter((p) => p.atMs >= startMs && p.atMs < endMs);
  const firstReaching = (fraction: number) => during.find((p) => p.point.reductionKw >= fraction * committedKw);
  const at50 = firstReaching(0.5);
  const at95 = firstReaching(0.95);
  const sustainedFromMs = at95?.atMs ?? startMs;
  const sustained = during.filter((p) => p.atMs >= sustainedFromMs);
  const recovered = points.find(
    (p) => p.atMs >= endMs && p.point.reductionKw <= RECOVERED_FRACTION * Math.max(committedKw, 1),
  );
  const seconds = (ms: number) => Math.round(ms / 100) / 10;
  return {
    committedMw,
    ...(at50 && committedKw > 0 ? { secondsTo50Pct: seconds(at50.atMs - startMs) } : {}),
    ...(at95 && committedKw > 0 ? { secondsTo95Pct: seconds(at95.atMs - startMs) } : {}),
    ...(sustained.length > 0
      ? { sustainedMw: sustained.reduce((s, p) => s + p.point.reductionKw, 0) / sustained.length / 1000 }
      : {}),
    ...(recovered ? { recoverySeconds: seconds(recovered.atMs - endMs) } : {}),
    points: points.map((p) => p.point),
  };
}

/** Energy not drawn over [fromMs, toMs], MWh: each reading's reduction held until the next (left Riemann sum). */
export function reductionMwh(points: readonly CurvePoint[], fromMs: number, toMs: number): number {
  let mwh = 0;
  for (const [i, p] of points.entries()) {
    const atMs = Math.max(Date.parse(p.at), fromMs);
    const nextMs = Math.min(points[i + 1] ? Date.parse(points[i + 1]!.at) : toMs, toMs);
    if (nextMs > atMs) mwh += (p.reductionKw / 1000) * ((nextMs - atMs) / 3_600_000);
  }
  return mwh;
}
