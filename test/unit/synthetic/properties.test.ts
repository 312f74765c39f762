import fc from 'fast-check';
import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { ERCOT_PRICE_CAP_USD_PER_MWH, ERCOT_PRICE_FLOOR_USD_PER_MWH } from '../../../core/model/market.js';
import { workloadRequestSchema } from '../../../core/model/workload.js';
import { marketStream } from '../../../core/synthetic/market-stream.js';
import { generateSiteInventory } from '../../../core/synthetic/resources.js';
import { workloadScenarioSchema } from '../../../core/synthetic/scenario.js';
import { workloadStream } from '../../../core/synthetic/workloads.js';
import { loadCalibration } from '../../../sim/synthetic/calibration-file.js';
import { parseScenario } from '../../../sim/synthetic/scenario-files.js';

const calibration = loadCalibration();
const seedArbitrary = fc.integer({ min: 0, max: 2 ** 32 - 1 });

describe('generator properties over arbitrary seeds and settings', () => {
  it('keeps every price inside the ERCOT floor and cap, even with extreme scarcity settings', () => {
    fc.assert(
      fc.property(
        seedArbitrary,
        fc.double({ min: 0, max: 200, noNaN: true }),
        fc.double({ min: 0.3, max: 3, noNaN: true }),
        (seed, hazardMultiplier, spikeParetoAlpha) => {
          const scenario = parseScenario(
            {
              name: 'property',
              description: 'property test',
              start: '2025-07-01T05:00:00Z',
              days: 1,
              market: { spikeHazardMultiplier: hazardMultiplier, spikeParetoAlpha },
            },
            'property',
          );
          for (const interval of marketStream({ calibration, scenario, fleet: referenceFleet, seed })) {
            for (const node of interval.prices.nodes) {
              expect(node.rtUsdPerMwh).toBeGreaterThanOrEqual(ERCOT_PRICE_FLOOR_USD_PER_MWH);
              expect(node.rtUsdPerMwh).toBeLessThanOrEqual(ERCOT_PRICE_CAP_USD_PER_MWH);
              expect(node.daUsdPerMwh).toBeLessThanOrEqual(ERCOT_PRICE_CAP_USD_PER_MWH);
            }
            expect(interval.bitcoin.hashpriceUsdPerThDay).toBeGreaterThan(0);
            expect(interval.gpuSpotUsdPerGpuHour).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  it('emits only requests the API contract accepts, whatever the workload settings', () => {
    fc.assert(
      fc.property(
        seedArbitrary,
        fc.double({ min: 0, max: 600, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 20, noNaN: true }),
        (seed, jobsPerHour, guaranteedShare, burstsPerDay) => {
          const scenario = workloadScenarioSchema.parse({ jobsPerHour, guaranteedShare, burstsPerDay, tenants: 5 });
          const startMs = Date.parse('2025-01-13T06:00:00Z');
          let previousMs = startMs;
          for (const job of workloadStream({ scenario, startMs, days: 0.25, timeZone: 'America/Chicago', seed })) {
            expect(workloadRequestSchema.safeParse(job.request).success).toBe(true);
            const submittedMs = Date.parse(job.submittedAt);
            expect(submittedMs).toBeGreaterThanOrEqual(previousMs);
            previousMs = submittedMs;
          }
        },
      ),
      { numRuns: 20 },
    );
  });

  it('gives unique device ids and addresses for any seed and cap', () => {
    fc.assert(
      fc.property(seedArbitrary, fc.integer({ min: 1, max: 300 }), (seed, cap) => {
        const site = referenceFleet.sites[2]!;
        const inventory = generateSiteInventory(site, 2, seed, { maxDevicesPerGroup: cap });
        const devices = [...inventory.asics, ...inventory.gpus];
        expect(new Set(devices.map((d) => d.deviceId)).size).toBe(devices.length);
        expect(new Set(inventory.asics.map((d) => d.ipAddress)).size).toBe(inventory.asics.length);
      }),
      { numRuns: 20 },
    );
  });
});
