import fc from 'fast-check';
import { asicModels, joulesPerTh, powerTargets } from '../../../core/fleet/hardware-catalog.js';
import { referenceFleet, referenceSiteConfigs } from '../../../core/fleet/reference-fleet.js';
import {
  addressCount,
  expandAddresses,
  gatewayConfigFor,
  gatewayConfigSchema,
  type SiteConfig,
  siteConfigViolations,
  siteModelOf,
  stockPowerKw,
} from '../../../core/fleet/site-config.js';
import { gpuHardware } from '../../../core/gpu/models.js';

const WEST = referenceSiteConfigs[0]!;
const withGroup = (change: Partial<SiteConfig['asicGroups'][number]>): SiteConfig => ({
  ...WEST,
  asicGroups: [{ ...WEST.asicGroups[0]!, ...change }, WEST.asicGroups[1]!],
});

describe('the hardware catalog', () => {
  it('gives each ASIC model its stock efficiency and better J/TH at lower firmware targets', () => {
    // Assess: stock J/TH as the vendors publish it, and efficiency improving as the target goes down.
    expect(joulesPerTh(powerTargets(asicModels['antminer-s21']!).at(-1)!)).toBeCloseTo(17.5, 1);
    expect(joulesPerTh(powerTargets(asicModels['antminer-s21-xp']!).at(-1)!)).toBeCloseTo(13.5, 1);
    expect(joulesPerTh(powerTargets(asicModels['antminer-s19-xp']!).at(-1)!)).toBeCloseTo(21.5, 1);
    for (const model of Object.values(asicModels)) {
      const jth = powerTargets(model).map(joulesPerTh);
      expect([...jth].sort((a, b) => a - b)).toEqual(jth);
    }
  });

  it('holds the five GPU boards with a power-limit floor below board power', () => {
    // Assess
    expect(Object.keys(gpuHardware).sort()).toEqual([
      'amd-mi300x',
      'nvidia-b200',
      'nvidia-h100-sxm5',
      'nvidia-h200-sxm',
      'nvidia-l40s',
    ]);
    for (const board of Object.values(gpuHardware)) expect(board.minPowerLimitW).toBeLessThan(board.boardPowerW);
  });
});

describe('registry record rules', () => {
  it('passes the reference sites, whose site models are the reference fleet', () => {
    // Assess
    expect(referenceSiteConfigs.flatMap(siteConfigViolations)).toEqual([]);
    expect(referenceFleet.sites.map((s) => s.id)).toEqual(referenceSiteConfigs.map((c) => c.id));
  });

  it.each([
    ['an unknown model', { model: 'antminer-s99' }, 'asicGroups[0].model', 'unknown_model'],
    ['a fractional count', { unitCount: 3.5 }, 'asicGroups[0].unitCount', 'whole_number'],
    ['a negative count', { unitCount: -1 }, 'asicGroups[0].unitCount', 'positive'],
    [
      'a power target the firmware lacks',
      { powerTargetsW: [1234] },
      'asicGroups[0].powerTargetsW[0]',
      'unknown_power_target',
    ],
  ])('names field and rule for %s', (_, change, field, rule) => {
    // Act
    const issues = siteConfigViolations(withGroup(change));

    // Assess
    expect(issues).toContainEqual(expect.objectContaining({ field, rule }));
  });

  it('refuses a group whose stock power alone exceeds the interconnect limit, at the exact boundary', () => {
    // Prepare: 4000 S21 at 3,500 W = 14,000 kW.
    const at = { ...WEST, interconnectLimitKw: 14_000 };
    const under = { ...WEST, interconnectLimitKw: 13_999.9 };

    // Assess
    expect(siteConfigViolations(at).filter((i) => i.rule === 'exceeds_interconnect_limit')).toEqual([]);
    expect(siteConfigViolations(under)).toContainEqual(
      expect.objectContaining({ field: 'asicGroups[0].unitCount', rule: 'exceeds_interconnect_limit' }),
    );
  });

  it('carries a utility transmission rate into the site model and refuses one out of range, naming the field', () => {
    // Prepare
    const at = (fourCpUsdPerKwYear: number): SiteConfig => ({
      ...WEST,
      transmission: { utility: 'Oncor', fourCpUsdPerKwYear },
    });
    // Act / Assess
    expect(siteConfigViolations(at(54))).toEqual([]);
    expect(siteModelOf(at(54)).transmissionUsdPerKwYear).toBe(54);
    expect(siteModelOf(WEST).transmissionUsdPerKwYear).toBeUndefined();
    for (const bad of [0, -5, 501]) {
      expect(siteConfigViolations(at(bad))).toContainEqual(
        expect.objectContaining({ field: 'transmission.fourCpUsdPerKwYear', rule: 'range' }),
      );
    }
  });

  it('refuses an address two groups share, in a list or inside a range', () => {
    // Prepare: 10.1.0.7 is inside west-s21-a's range.
    const config = withGroup({});
    const clash = {
      ...config,
      asicGroups: [
        ...config.asicGroups,
        {
          ...config.asicGroups[1]!,
          id: 'west-extra',
          unitCount: 1,
          addresses: { kind: 'list' as const, endpoints: ['10.1.0.7'] },
        },
      ],
    };

    // Assess
    expect(siteConfigViolations(clash)).toContainEqual(
      expect.objectContaining({ field: 'asicGroups[2].addresses', rule: 'duplicate_address' }),
    );
  });

  it('expands a range to exactly its address count (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 600 }), (start, length) => {
        const first = `10.0.${Math.floor(start / 256)}.${start % 256}`;
        const lastN = start + length - 1;
        const last = `10.0.${Math.floor(lastN / 256)}.${lastN % 256}`;
        const range = { kind: 'range' as const, first, last, port: 4028 };
        const expanded = expandAddresses(range);
        return expanded.length === addressCount(range) && new Set(expanded).size === length;
      }),
    );
  });
});

describe('the gateway configuration', () => {
  it('carries the groups with drivers and unexpanded ranges, the site model and the registry version', () => {
    // Act
    const config = gatewayConfigFor(WEST, 42);

    // Assess
    expect(gatewayConfigSchema.parse(config)).toEqual(config);
    expect(config).toMatchObject({ siteId: 'site-west-1', registryVersion: 42, marketNode: 'HB_WEST' });
    expect(config.asicGroups[0]).toMatchObject({ driver: 'luxos', addresses: { kind: 'range' } });
    expect(config.site).toEqual(referenceFleet.sites[0]);
    // A named shadow holds at most 8 KB (AWS IoT quota): ranges keep a 7,000-miner site well under it.
    expect(Buffer.byteLength(JSON.stringify(config))).toBeLessThan(8 * 1024);
  });

  it('sums the stock draw with overhead', () => {
    // Assess: (4000 × 3500 + 3000 × 3010 + 256 × 700) W × 1.05.
    expect(stockPowerKw(WEST)).toBeCloseTo(((4000 * 3500 + 3000 * 3010 + 256 * 700) * 1.05) / 1000, 1);
  });
});
