import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { type DeviceLatestState, summarizeGroup, summarizeGroups } from '../../../core/operations/devices.js';

const west = referenceFleet.sites.find((s) => s.id === 'site-west-1')!;

const asic = (deviceId: string, over: Partial<DeviceLatestState> = {}): DeviceLatestState => ({
  deviceId,
  groupId: 'west-s21-a',
  kind: 'asic',
  at: '2026-11-28T12:00:00.000Z',
  state: 'hashing',
  powerW: 3500,
  hashrateThs: 200,
  ...over,
});

describe('device group summary', () => {
  it('adds power in kW and hashrate, counts units per state and keeps the newest sighting', () => {
    // Prepare
    const devices = [
      asic('a-1'),
      asic('a-2', { at: '2026-11-28T12:00:05.000Z' }),
      asic('a-3', { state: 'sleeping', powerW: 10, hashrateThs: 0 }),
    ];

    // Act
    const summary = summarizeGroup({ groupId: 'west-s21-a', kind: 'asic', configuredUnits: 4000 }, devices);

    // Assess
    expect(summary).toEqual({
      groupId: 'west-s21-a',
      kind: 'asic',
      configuredUnits: 4000,
      reportingUnits: 3,
      unitsByState: { hashing: 2, sleeping: 1 },
      powerKw: 7.01,
      hashrateThs: 400,
      lastSeenAt: '2026-11-28T12:00:05.000Z',
    });
  });

  it('averages GPU utilisation over the devices that report it, and has no hashrate', () => {
    // Prepare
    const gpu = (deviceId: string, utilizationPct?: number): DeviceLatestState => ({
      deviceId,
      groupId: 'west-h100-a',
      kind: 'gpu',
      at: '2026-11-28T12:00:00.000Z',
      state: 'serving',
      powerW: 700,
      ...(utilizationPct === undefined ? {} : { utilizationPct }),
    });

    // Act
    const summary = summarizeGroup({ groupId: 'west-h100-a', kind: 'gpu', configuredUnits: 256 }, [
      gpu('g-1', 90),
      gpu('g-2', 50),
      gpu('g-3'),
    ]);

    // Assess
    expect(summary.meanUtilizationPct).toBe(70);
    expect(summary.hashrateThs).toBeUndefined();
    expect(summary.powerKw).toBeCloseTo(2.1, 9);
  });

  it('lists every configured group of the site, silent ones with zero reporting units', () => {
    // Act
    const groups = summarizeGroups(west, [asic('a-1')]);

    // Assess
    expect(groups.map((g) => [g.groupId, g.kind, g.reportingUnits])).toEqual([
      ['west-s21-a', 'asic', 1],
      ['west-s19xp-a', 'asic', 0],
      ...west.gpuPools.map((p) => [p.id, 'gpu', 0]),
    ]);
    const silent = groups.find((g) => g.groupId === 'west-s19xp-a')!;
    expect(silent).toEqual({
      groupId: 'west-s19xp-a',
      kind: 'asic',
      configuredUnits: 3000,
      reportingUnits: 0,
      unitsByState: {},
      powerKw: 0,
    });
  });

  it('shows a group that reports but is not configured, rather than hiding its devices', () => {
    // Act
    const groups = summarizeGroups(west, [asic('x-1', { groupId: 'west-moved-rack' })]);

    // Assess
    expect(groups.at(-1)).toMatchObject({ groupId: 'west-moved-rack', configuredUnits: 0, reportingUnits: 1 });
  });
});
