import { type DemandScenarioParams, siteDemand } from '../../../core/demand/scenarios.js';
import type { Site } from '../../../core/model/site.js';
import type { ArrivalForecast, ExpectedArrivals } from '../ports.js';

/**
 * The demand model of the backtest (core/demand/scenarios.ts) as the dispatch's arrival forecast: each site's expected
 * guaranteed and flex arrivals by time of day, scaled to its GPU capacity. The realised, noisy arrivals are not used.
 */
export class ScenarioArrivalForecast implements ArrivalForecast {
  constructor(private readonly scenario: DemandScenarioParams) {}

  async expected(
    sites: readonly Site[],
    startMs: number,
    stepMinutes: number,
    steps: number,
  ): Promise<Readonly<Record<string, ExpectedArrivals>>> {
    return Object.fromEntries(
      sites.map((site, s) => {
        const demand = siteDemand(site, this.scenario, startMs, stepMinutes, steps, s);
        return [
          site.id,
          { guaranteedGpuHours: demand.expectedGuaranteedGpuHours, flexGpuHours: demand.expectedFlexGpuHours },
        ];
      }),
    );
  }
}
