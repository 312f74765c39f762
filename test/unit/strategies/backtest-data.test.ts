import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMAND_SCENARIOS } from '../../../core/demand/scenarios.js';
import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { drInForce } from '../../../core/market-data/known-at.js';
import { ERCOT_SHARED_PRICE_COLUMNS } from '../../../core/market-data/series.js';
import { viewAt } from '../../../core/strategies/context.js';
import { loadBacktestData, StepTooFineError } from '../../../sim/backtest/data.js';

/** Two Central days of 15-minute prices with one $2,500 interval at 12:00 on the second day, and daily hashprices. */
function files(): { prices: string; hashprice: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'hcp-backtest-data-'));
  const rows = ['interval_start_local,rt_price_usd_mwh,da_price_usd_mwh,temperature_c'];
  for (let i = 0; i < 2 * 96; i += 1) {
    const day = 4 + Math.floor(i / 96);
    const minutes = (i % 96) * 15;
    const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
    const mm = String(minutes % 60).padStart(2, '0');
    rows.push(`2024-11-0${day} ${hh}:${mm}:00,${i === 96 + 48 ? 2500 : 30 + (i % 7)},31,20`);
  }
  const hash = ['date,btc_usd_close,difficulty,subsidy_btc_per_block,fees_btc_per_day,hashprice_usd_per_ths_day'];
  for (const day of ['2024-11-02', '2024-11-03', '2024-11-04', '2024-11-05'])
    hash.push(`${day},70000,1e14,3.125,,0.045`);
  const prices = path.join(dir, 'prices.csv');
  const hashprice = path.join(dir, 'hashprice.csv');
  writeFileSync(prices, `${rows.join('\n')}\n`);
  writeFileSync(hashprice, `${hash.join('\n')}\n`);
  return { prices, hashprice };
}

const options = (stepMinutes: number, fromMs?: number) => {
  const f = files();
  return {
    pricesFile: f.prices,
    hashpriceFile: f.hashprice,
    priceColumns: ERCOT_SHARED_PRICE_COLUMNS,
    stepMinutes,
    ...(fromMs === undefined ? {} : { fromMs }),
    fleet: referenceFleet,
    demand: DEMAND_SCENARIOS.steady!,
  };
};

describe('backtest data', () => {
  it('refuses a step finer than the price file, naming the flag', () => {
    expect(() => loadBacktestData(options(5))).toThrow(StepTooFineError);
    expect(() => loadBacktestData(options(5))).toThrow('--step-minutes 5 is finer than the price file');
  });

  it('keeps the history before --from as the strategies’ warm-up, and scores only from --from', () => {
    // Act: evaluate the second day only.
    const data = loadBacktestData(options(15, Date.UTC(2024, 10, 5, 6)));
    // Assess: 96 steps scored, the first day visible to a decision at the first step.
    expect(data.steps).toBe(96);
    expect(data.marketOffset).toBe(96);
    expect(viewAt(data, 0).rtUsdPerMwh.length).toBe(95);
  });

  it('derives a deployment from a price at the cap that a strategy learns of only after it is published', () => {
    const data = loadBacktestData(options(15, Date.UTC(2024, 10, 5, 6)));
    // The $2,500 interval is step 48 of the second day: deployed in the truth, unknown at its own decision.
    expect(data.truth.drDeployed[48]).toBe(true);
    expect(data.truth.drDeployed.filter(Boolean)).toHaveLength(1);
    const stepMs = 15 * 60_000;
    expect(drInForce(viewAt(data, 48), data.startMs + 48 * stepMs)).toBe(false);
    expect(viewAt(data, 50).gridEvents).toHaveLength(1);
  });
});
