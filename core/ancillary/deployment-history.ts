import type { AncillaryProduct } from './products.js';

/**
 * How often ERCOT deploys load resources in each product: the record the optimizer's expected deployment cost is
 * priced on (deployment probability × mining lost while deployed). Data, not a guess inside the formula: each event
 * names where it is published; a duration the source does not give is marked `estimated` with the reason.
 *
 * The probability of a product is the deployed hours over the hours of its window: a load resource holding 1 MW of it
 * for an hour expects to be down for `probability` of that hour.
 */
export interface DeploymentEvent {
  /** Local start (America/Chicago), as published. */
  readonly startLocal: string;
  readonly hours: number;
  readonly source: string;
  /** Why the duration is an estimate, when the source gives no recall time. */
  readonly estimated?: string;
}

export interface DeploymentRecord {
  readonly product: AncillaryProduct;
  /** The window the record covers (inclusive start, exclusive end, local dates). */
  readonly from: string;
  readonly to: string;
  readonly events: readonly DeploymentEvent[];
}

const URI_UFR = {
  startLocal: '2021-02-15 01:51',
  hours: 1,
  source:
    'FERC–NERC, February 2021 Cold Weather Outages in Texas and the South Central United States (2021-11): ' +
    'frequency fell to 59.302 Hz at 01:51 on 2021-02-15; load resources on under-frequency relays tripped',
  estimated: 'relay trip to recall not published per resource; taken as the one-hour RRS duration',
};

const EEA2_2023 = {
  startLocal: '2023-09-06 19:25',
  hours: 1.5,
  source:
    'ERCOT EEA2 of 2023-09-06 (Power Magazine, via competitivepower.org: "a combination of dropping operating ' +
    'reserves and frequency"); load resources were deployed manually in the EEA',
  estimated: 'EEA2 declared ~19:25 and ended ~21:00 CPT; the recall time of each service is not in the source',
};

/**
 * Load resources were not deployed at all from 2015 to 2019 (CPower, "ERCOT's Effective and Lucrative Last Bastion
 * Against Blackouts", 2020: "Load Resource has been called a grand total of zero times" in five years).
 */
export const ERCOT_LOAD_RESOURCE_DEPLOYMENTS: Readonly<Record<AncillaryProduct, DeploymentRecord>> = {
  'RRS-UFR': { product: 'RRS-UFR', from: '2015-01-01', to: '2025-01-01', events: [URI_UFR] },
  // ECRS began on 2023-06-10 (NPRR863).
  ECRS: { product: 'ECRS', from: '2023-06-10', to: '2025-01-01', events: [EEA2_2023] },
  // Load resources may carry Non-Spin from 2022-05-27 (NPRR1093, market notice M-A042122-01).
  NSPIN: { product: 'NSPIN', from: '2022-05-27', to: '2025-01-01', events: [EEA2_2023] },
  'ERS-10': {
    product: 'ERS-10',
    from: '2019-01-01',
    to: '2025-01-01',
    events: [
      {
        startLocal: '2022-07-13 14:58',
        hours: 3.76,
        source:
          'ERCOT DSWG, Fleet-level Overview of ERS Event Performance from 7/13/2022 (2022-09-14): 14:58:29–18:43:59',
      },
    ],
  },
  'ERS-30': {
    product: 'ERS-30',
    from: '2019-01-01',
    to: '2025-01-01',
    events: [
      {
        startLocal: '2019-08-13 16:00',
        hours: 0.385,
        source: 'ERCOT staff, ERS Deployment and Performance Review for August 13th and 15th (2019-10-22): 0:23:05',
      },
      {
        startLocal: '2022-07-13 14:58',
        hours: 3.76,
        source:
          'ERCOT DSWG, Fleet-level Overview of ERS Event Performance from 7/13/2022 (2022-09-14): 14:58:29–18:43:59',
      },
    ],
  },
};

const MS_PER_HOUR = 3_600_000;

/** Deployed hours over the window's hours: the chance a held MW is deployed in a given hour. */
export function deploymentProbability(record: DeploymentRecord): number {
  const windowHours = (Date.parse(`${record.to}T00:00:00Z`) - Date.parse(`${record.from}T00:00:00Z`)) / MS_PER_HOUR;
  if (!(windowHours > 0))
    throw new RangeError(`deployment record ${record.product}: window ${record.from}..${record.to}`);
  return record.events.reduce((sum, e) => sum + e.hours, 0) / windowHours;
}

/** Each product's deployment probability from the published record. */
export function ercotDeploymentProbabilities(): Record<AncillaryProduct, number> {
  const out = {} as Record<AncillaryProduct, number>;
  for (const [product, record] of Object.entries(ERCOT_LOAD_RESOURCE_DEPLOYMENTS)) {
    out[product as AncillaryProduct] = deploymentProbability(record);
  }
  return out;
}
