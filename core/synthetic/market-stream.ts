import type { GridEvent, MarketSnapshot } from '../model/market.js';
import type { Fleet } from '../model/site.js';
import { BitcoinProcess, type BitcoinState } from './bitcoin.js';
import { localCalendar, MS_PER_HOUR } from './calendar.js';
import type { Calibration } from './calibration.js';
import { streamRng } from './draws.js';
import { GpuSpotProcess } from './gpu-spot.js';
import { type FrequencyDip, GridEventProcess } from './grid-events.js';
import { PriceProcess, type PriceStep } from './price-model.js';
import type { Scenario } from './scenario.js';

export interface MarketStreamOptions {
  readonly calibration: Calibration;
  readonly scenario: Scenario;
  readonly fleet: Fleet;
  readonly seed: number;
  /** Overrides the scenario's length. */
  readonly days?: number;
}

/** Everything the market does in one interval. */
export interface MarketInterval {
  readonly index: number;
  readonly startMs: number;
  readonly stepMinutes: number;
  readonly prices: PriceStep;
  readonly bitcoin: BitcoinState;
  readonly gpuSpotUsdPerGpuHour: number;
  /** Grid events in force during the interval. */
  readonly gridEvents: readonly GridEvent[];
  /** Grid events that begin in the interval (each event appears here exactly once). */
  readonly startedGridEvents: readonly GridEvent[];
  readonly frequencyDips: readonly FrequencyDip[];
}

export const intervalCount = (options: MarketStreamOptions) =>
  Math.round(((options.days ?? options.scenario.days) * 24 * 60) / options.calibration.price.stepMinutes);

/**
 * The synthetic market, one interval at a time (15 minutes, the calibration's step), from the scenario's start.
 * Each component draws from its own seeded stream, so the same seed and scenario give the same market, and changing
 * one component does not move the others.
 */
export function* marketStream(options: MarketStreamOptions): Generator<MarketInterval> {
  const { calibration, scenario, seed } = options;
  const stepMinutes = calibration.price.stepMinutes;
  const startMs = Date.parse(scenario.start);
  const prices = new PriceProcess(calibration.price, scenario.market, streamRng(seed, 'price'));
  const bitcoin = new BitcoinProcess(
    calibration.bitcoin,
    scenario.bitcoin,
    startMs,
    streamRng(seed, 'btc-price'),
    streamRng(seed, 'btc-chain'),
  );
  const gpuSpot = new GpuSpotProcess(scenario.gpuSpot, stepMinutes, streamRng(seed, 'gpu-spot'));
  const grid = new GridEventProcess(scenario.grid, options.fleet, streamRng(seed, 'grid'));
  const count = intervalCount(options);
  for (let index = 0; index < count; index++) {
    const intervalStartMs = startMs + index * stepMinutes * 60_000;
    const calendar = localCalendar(intervalStartMs, scenario.timeZone);
    const hoursFromStart = (intervalStartMs - startMs) / MS_PER_HOUR;
    const priceStep = prices.step(intervalStartMs, calendar, hoursFromStart);
    const gridStep = grid.step({
      startMs: intervalStartMs,
      stepMinutes,
      calendar,
      hoursFromStart,
      maxPriceUsdPerMwh: Math.max(...priceStep.nodes.map((n) => n.rtUsdPerMwh)),
      temperatureC: priceStep.nodes[0]!.temperatureC,
    });
    yield {
      index,
      startMs: intervalStartMs,
      stepMinutes,
      prices: priceStep,
      bitcoin: bitcoin.advanceTo(intervalStartMs),
      gpuSpotUsdPerGpuHour: gpuSpot.step(calendar, hoursFromStart),
      gridEvents: gridStep.active,
      startedGridEvents: gridStep.started,
      frequencyDips: gridStep.dips,
    };
  }
}

/** The interval as the contract the optimizer and the API read (validated by marketSnapshotSchema). */
export function toMarketSnapshot(interval: MarketInterval): MarketSnapshot {
  const { bitcoin } = interval;
  return {
    at: new Date(interval.startMs).toISOString().replace('.000Z', 'Z'),
    intervalMinutes: interval.stepMinutes,
    prices: interval.prices.nodes.map((n) => ({
      node: n.node,
      realTimeUsdPerMwh: n.rtUsdPerMwh,
      dayAheadUsdPerMwh: n.daUsdPerMwh,
    })),
    hashprice: {
      hashpriceUsdPerThDay: bitcoin.hashpriceUsdPerThDay,
      btcPriceUsd: bitcoin.btcPriceUsd,
      difficulty: bitcoin.difficulty,
      subsidyBtc: bitcoin.subsidyBtc,
      feesBtcPerDay: bitcoin.feesBtcPerDay,
    },
    gpuSpotUsdPerGpuHour: interval.gpuSpotUsdPerGpuHour,
    gridEvents: [...interval.gridEvents],
  };
}
