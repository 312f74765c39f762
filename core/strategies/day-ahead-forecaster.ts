import type { PriceForecaster, PriceHistory } from '../forecast/types.js';

/**
 * A stand-in forecaster until core/forecast's learned models are wired in: the published day-ahead price plus the
 * latest real-time − day-ahead gap decaying with a 2-hour half-life (real-time deviations from day-ahead are
 * short-lived). Without day-ahead prices it falls back to the same interval one day earlier (seasonal naive).
 */
export const dayAheadBiasForecaster: PriceForecaster = {
  name: 'day-ahead+bias',
  forecast(history: PriceHistory, steps: number) {
    const rt = history.rtUsdPerMwh;
    const n = rt.length;
    const perDay = Math.round((24 * 60) / history.stepMinutes);
    const halfLifeSteps = 120 / history.stepMinutes;
    const da = history.daUsdPerMwh;
    const last = rt[n - 1] ?? 0;
    const gap = da && da[n - 1] !== undefined ? last - da[n - 1]! : 0;
    const point: number[] = [];
    for (let i = 0; i < steps; i += 1) {
      const dayAhead = da?.[n + i];
      const base = dayAhead ?? rt[n + i - perDay * Math.ceil((i + 1) / perDay)] ?? last;
      point.push(base + gap * 0.5 ** ((i + 1) / halfLifeSteps));
    }
    return {
      startMs: history.startMs + n * history.stepMinutes * 60_000,
      stepMinutes: history.stepMinutes,
      pointUsdPerMwh: point,
      spikeProbability: point.map((p) => (p >= 200 ? 1 : 0)),
    };
  },
};
