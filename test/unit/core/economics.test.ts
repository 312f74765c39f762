import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  breakevenPriceUsdPerMwh,
  energyCostUsd,
  gpuBreakevenPriceUsdPerMwh,
  hashpriceUsdPerThDay,
  meritOrderLadder,
  miningRevenueUsd,
  networkHashrateThsFromDifficulty,
  referenceFleet,
  subsidyBtcAtHeight,
} from '../../../core/index.js';
import { HASHPRICE_FILE } from '../../support/paths.js';

function hashpriceRow(date: string): Record<string, string> {
  const text = readFileSync(HASHPRICE_FILE, 'utf8');
  const [header, ...lines] = text.trim().split(/\r?\n/);
  const columns = (header as string).split(',');
  const line = lines.find((l) => l.startsWith(date));
  if (!line) throw new Error(`no row for ${date}`);
  const cells = line.split(',');
  return Object.fromEntries(columns.map((c, i) => [c, cells[i] as string]));
}

describe('hashprice', () => {
  it('matches the shared file for 2024-06-01 (fees known, after the halving)', () => {
    // Prepare
    const row = hashpriceRow('2024-06-01');
    // Act
    const hashprice = hashpriceUsdPerThDay({
      btcPriceUsd: Number(row.btc_usd_close),
      difficulty: Number(row.difficulty),
      subsidyBtc: Number(row.subsidy_btc_per_block),
      feesBtcPerDay: Number(row.fees_btc_per_day),
    });
    // Assess: the file's own figure, and a hand computation:
    // 67706.94 × (3.125 + 44.2266/144) × 86400e12 / (84381461788831.23 × 2^32) = 0.05540
    expect(hashprice).toBeCloseTo(Number(row.hashprice_usd_per_ths_day), 5);
    expect(hashprice).toBeCloseTo(0.0554, 4);
  });

  it('matches the shared file for 2021-11-10 (no fee data, 6.25 BTC subsidy)', () => {
    const row = hashpriceRow('2021-11-10');
    const hashprice = hashpriceUsdPerThDay({
      btcPriceUsd: Number(row.btc_usd_close),
      difficulty: Number(row.difficulty),
      subsidyBtc: 6.25,
      feesBtcPerDay: 0,
    });
    expect(hashprice).toBeCloseTo(0.377285, 5);
  });

  it('halves the subsidy every 210,000 blocks', () => {
    expect(subsidyBtcAtHeight(0)).toBe(50);
    expect(subsidyBtcAtHeight(629_999)).toBe(12.5);
    expect(subsidyBtcAtHeight(630_000)).toBe(6.25);
    expect(subsidyBtcAtHeight(840_000)).toBe(3.125);
    expect(subsidyBtcAtHeight(1_050_000)).toBe(1.5625);
  });

  it('derives network hashrate from difficulty (~600 EH/s at difficulty 84.4 T)', () => {
    expect(networkHashrateThsFromDifficulty(84_381_461_788_831) / 1e6).toBeCloseTo(604, 0);
  });
});

describe('breakeven and energy', () => {
  it('puts an S21 (17.5 J/TH) at ~$119/MWh when hashprice is $0.05/TH/s/day', () => {
    expect(breakevenPriceUsdPerMwh(0.05, 17.5)).toBeCloseTo(119.05, 2);
  });

  it('lowers the breakeven by the facility overhead', () => {
    expect(breakevenPriceUsdPerMwh(0.05, 17.5, 1.1)).toBeCloseTo(119.05 / 1.1, 2);
  });

  it('makes mining revenue equal energy cost exactly at the breakeven', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 0.5, noNaN: true }),
        fc.double({ min: 10, max: 40, noNaN: true }),
        (hashprice, jPerTh) => {
          const price = breakevenPriceUsdPerMwh(hashprice, jPerTh);
          const hashrateThs = 1000;
          const powerKw = (hashrateThs * jPerTh) / 1000;
          const revenue = miningRevenueUsd(hashrateThs, 1, hashprice);
          const cost = energyCostUsd(powerKw, 1, price);
          return Math.abs(revenue - cost) < 1e-9 * Math.max(1, revenue);
        },
      ),
    );
  });

  it('costs 3.5 MW for 5 minutes at $60/MWh as $17.50, and pays the load at negative prices', () => {
    expect(energyCostUsd(3500, 5 / 60, 60)).toBeCloseTo(17.5, 10);
    expect(energyCostUsd(1000, 1, -20)).toBeCloseTo(-20, 10);
  });

  it('puts a 700 W GPU earning $2/h at ~$2,857/MWh', () => {
    expect(gpuBreakevenPriceUsdPerMwh(2, 700)).toBeCloseTo(2857.14, 1);
  });
});

describe('merit-order ladder', () => {
  it('orders the least efficient miners first and GPUs last', () => {
    // Prepare
    const north = referenceFleet.sites.find((s) => s.id === 'site-north-1')!;
    // Act
    const ladder = meritOrderLadder(north, { hashpriceUsdPerThDay: 0.05, gpuRevenueUsdPerGpuHour: 2 });
    // Assess: S19 XP (21.5 J/TH) stops before S21 (17.5 J/TH); both before the GPUs.
    expect(ladder.map((r) => r.groupId)).toEqual(['north-s19xp-a', 'north-s21-a', 'north-h100-a', 'north-h200-a']);
    expect(ladder[0]?.stopAbovePriceUsdPerMwh).toBeCloseTo(breakevenPriceUsdPerMwh(0.05, 21.5, 1.12), 6);
    expect(ladder[1]?.sheddableKw).toBeCloseTo(((3500 - 25) * 1500 * 1.12) / 1000, 6);
  });
});
