import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { siteCapKw } from '../../../core/model/site.js';
import { fleetKpis, siteTelemetry } from '../../../functions/telemetry-history/history.js';
import { recordBacktest } from '../../../sim/backtest/telemetry.js';
import { ParquetTelemetryStore } from '../../../sim/local/telemetry-store.js';

const START_MS = Date.parse('2025-01-10T00:00:00Z');
const STEPS = 8;
const [west] = referenceFleet.sites;

/** A run of two 15-minute steps per half hour: `share` of the site's cap on ASICs, every unit of its groups on. */
function run(name: string, share: number) {
  const site = west!;
  return {
    name,
    asicKw: [Array.from({ length: STEPS }, () => siteCapKw(site) * share)],
    gpuKw: [Array.from({ length: STEPS }, () => 0)],
    unitsOn: [site.asicGroups.map((g) => Array.from({ length: STEPS }, () => g.unitCount))],
  };
}

describe('backtest telemetry (#27 item 5): the same tables with a scenario per strategy', () => {
  let root: string;
  let store: ParquetTelemetryStore;

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'hcp-backtest-history-'));
    store = await ParquetTelemetryStore.open(root);
    const data = {
      startMs: START_MS,
      stepMinutes: 15,
      sites: [west!],
      truth: {
        priceUsdPerMwh: Array.from({ length: STEPS }, () => 30),
        hashpriceUsdPerThDay: Array.from({ length: STEPS }, () => 0.05),
      },
    };
    recordBacktest(store, data, [run('static', 1), run('strike', 0.5)]);
    await store.flush();
  });

  afterAll(async () => {
    await store.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('answers each strategy’s site series and KPIs through the history queries, by scenario', async () => {
    // Act
    const window = { from: new Date(START_MS).toISOString(), to: new Date(START_MS + 2 * 3_600_000).toISOString() };
    const staticRun = await fleetKpis(store, { ...window, step: 3600, scenario: 'static' });
    const strike = await fleetKpis(store, { ...window, step: 3600, scenario: 'strike' });
    const money = await siteTelemetry(store, west!.id, { ...window, step: 7200, metric: 'money', scenario: 'static' });

    // Assess
    expect(staticRun.window.powerUtilisation).toBeCloseTo(1, 10);
    expect(strike.window.powerUtilisation).toBeCloseTo(0.5, 10);
    expect(staticRun.points).toHaveLength(2);
    // Two hours of every unit at the curve's top at $0.05/TH/day.
    const topThs = west!.asicGroups.reduce((t, g) => t + g.unitCount * g.powerCurve.at(-1)!.hashrateThs, 0);
    expect(money.points[0]!.miningUsd).toBeCloseTo((topThs * 0.05 * 2) / 24, 6);
    expect(staticRun.window.gpuUtilisation).toBeNull();
  });
});
