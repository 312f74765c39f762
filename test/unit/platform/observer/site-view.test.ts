import { referenceFleet } from '../../../../core/fleet/reference-fleet.js';
import type { Command } from '../../../../core/messages/command.js';
import type { TelemetryBatch } from '../../../../core/messages/telemetry.js';
import { FleetSeries } from '../../../../sim/platform/observer/fleet-series.js';
import { SiteView } from '../../../../sim/platform/observer/site-view.js';
import { marketSnapshotAt } from '../../../support/market-fixture.js';

const [west, south] = referenceFleet.sites as [(typeof referenceFleet.sites)[0], (typeof referenceFleet.sites)[0]];
const START_MS = Date.parse('2025-01-13T06:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function batch(siteId: string, atMs: number, powerW: number): TelemetryBatch {
  return {
    siteId,
    gatewayId: `gw-${siteId}`,
    batchSeq: 1,
    sentAt: iso(atMs),
    sitePowerKw: powerW / 1000,
    droppedBatches: 0,
    metrics: [
      { deviceId: 'a1', groupId: 'x', kind: 'asic', at: iso(atMs), state: 'hashing', powerW, hashrateThs: 200 },
    ],
  };
}

function plan(version: number): Command {
  const interval = { startsAt: iso(START_MS), asicGroups: [], gpuPools: [], sitePowerKw: 9000 };
  return {
    commandId: '6f1c1f34-8d0e-4c55-9b8a-0a5b0b2c9a11',
    siteId: west.id,
    seq: 1,
    epoch: 1,
    issuedAt: iso(START_MS),
    validUntil: iso(START_MS + 90_000),
    kind: 'apply-plan',
    payload: {
      plan: {
        version,
        createdAt: iso(START_MS),
        horizonStart: iso(START_MS),
        intervalMinutes: 15,
        sites: [
          { siteId: south.id, intervals: [{ ...interval, sitePowerKw: 1 }], ladder: [] },
          { siteId: west.id, intervals: [interval], ladder: [] },
        ],
        solver: { mode: 'lp', status: 'optimal', objectiveUsd: 1, solveMs: 5 },
      },
    },
  } as Command;
}

describe('observer site view', () => {
  it("takes its own site's intervals from a plan and charts them against the power it reads", () => {
    // Prepare
    const view = new SiteView(west, new Map(), 10);

    // Act
    view.onCommand(plan(4));
    view.onTelemetry(batch(west.id, START_MS, 3500), 0, undefined);

    // Assess
    expect(view.planVersion).toBe(4);
    expect(view.series.last('planKw')).toBe(9000);
    expect(view.series.last('capKw')).toBe(west.interconnectLimitMw * 1000);
    expect(view.series.last('asicKw')).toBeCloseTo(3.5 * west.pue, 9);
  });

  it('accrues money from the second batch on, at the latest price signal', () => {
    // Prepare
    const view = new SiteView(west, new Map(), 10);
    const market = marketSnapshotAt(START_MS, { HB_WEST: 40 });
    view.onSignal({ kind: 'price', at: iso(START_MS), node: 'HB_WEST', priceUsdPerMwh: 40 }, 5);

    // Act
    view.onTelemetry(batch(west.id, START_MS, 3500), 6, market);
    const first = view.money;
    view.onTelemetry(batch(west.id, START_MS + 3_600_000 / 4, 3500), 7, market);

    // Assess
    expect(first.miningUsd).toBe(0);
    expect(view.money.miningUsd).toBeCloseTo(200 * 0.05 * (0.25 / 24), 9);
    expect(view.lastSignalRealMs).toBe(5);
    expect(view.lastTelemetryRealMs).toBe(7);
  });
});

describe('observer fleet series', () => {
  it("sums the sites' latest points, takes the highest price and leaves the plan out until one site has one", () => {
    // Prepare
    const a = new SiteView(west, new Map(), 10);
    const b = new SiteView(south, new Map(), 10);
    const series = new FleetSeries(10);
    a.onSignal({ kind: 'price', at: iso(START_MS), node: 'HB_WEST', priceUsdPerMwh: 40 }, 0);
    b.onSignal({ kind: 'price', at: iso(START_MS), node: 'HB_HOUSTON', priceUsdPerMwh: 55 }, 0);
    a.onTelemetry(batch(west.id, START_MS, 1000), 0, undefined);
    b.onTelemetry(batch(south.id, START_MS, 2000), 0, undefined);

    // Act
    series.pushSites(START_MS, [a, b]);

    // Assess
    expect(series.fleet.last('asicKw')).toBeCloseTo(1 * west.pue + 2 * south.pue, 9);
    expect(series.fleet.last('capKw')).toBe((west.interconnectLimitMw + south.interconnectLimitMw) * 1000);
    expect(series.fleet.last('priceUsdPerMwh')).toBe(55);
    expect(series.fleet.last('planKw')).toBeNull();
  });

  it("charts the market's hashprice, GPU spot rate and highest node price", () => {
    // Prepare
    const series = new FleetSeries(10);

    // Act
    series.pushMarket(START_MS, marketSnapshotAt(START_MS, { HB_WEST: 40, HB_NORTH: 90 }));

    // Assess
    expect(series.market.toJSON()).toEqual({
      t: [START_MS],
      hashpriceUsdPerThDay: [0.05],
      gpuSpotUsdPerGpuHour: [2],
      maxPriceUsdPerMwh: [90],
    });
  });
});
