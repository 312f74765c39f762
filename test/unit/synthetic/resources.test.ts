import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { generateFleetInventory, generateSiteInventory } from '../../../core/synthetic/resources.js';

describe('site inventories', () => {
  const inventory = generateFleetInventory(referenceFleet, 17);
  const devices = inventory.flatMap((s) => [...s.asics, ...s.gpus]);

  it('lists every unit of the fleet with unique ids, serials and IP addresses', () => {
    const asicUnits = referenceFleet.sites.flatMap((s) => s.asicGroups).reduce((n, g) => n + g.unitCount, 0);
    const gpus = referenceFleet.sites.flatMap((s) => s.gpuPools).reduce((n, p) => n + p.count, 0);
    expect(inventory.flatMap((s) => s.asics)).toHaveLength(asicUnits);
    expect(inventory.flatMap((s) => s.gpus)).toHaveLength(gpus);
    expect(new Set(devices.map((d) => d.deviceId)).size).toBe(devices.length);
    expect(new Set(devices.map((d) => d.serial)).size).toBe(devices.length);
    const asics = inventory.flatMap((s) => s.asics);
    expect(new Set(asics.map((d) => d.ipAddress)).size).toBe(asics.length);
    expect(new Set(asics.map((d) => d.macAddress)).size).toBe(asics.length);
  });

  it('writes well-formed addresses and GPU readings', () => {
    for (const d of devices.slice(0, 2000).concat(devices.slice(-2000))) {
      expect(d.ipAddress).toMatch(/^10\.\d{1,3}\.\d{1,3}\.\d{1,3}$/);
      expect(d.ipAddress.split('.').every((o) => Number(o) <= 255)).toBe(true);
      expect(d.macAddress).toMatch(/^02(:[0-9a-f]{2}){5}$/);
      if (d.kind === 'gpu') {
        expect(d.uuid).toMatch(/^GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(d.memoryUsedMib).toBeLessThanOrEqual(d.memoryTotalMib);
        expect(d.utilizationGpuPct).toBeGreaterThanOrEqual(0);
        expect(d.utilizationGpuPct).toBeLessThanOrEqual(100);
      }
    }
  });

  it('is a pure function of the seed, and caps devices per group on request', () => {
    const site = referenceFleet.sites[1]!;
    expect(generateSiteInventory(site, 1, 17, { maxDevicesPerGroup: 10 })).toEqual(
      generateSiteInventory(site, 1, 17, { maxDevicesPerGroup: 10 }),
    );
    const small = generateSiteInventory(site, 1, 17, { maxDevicesPerGroup: 10 });
    expect(small.asics).toHaveLength(10);
    expect(small.gpus).toHaveLength(10);
    expect(small.asics[0]).toEqual(inventory[1]!.asics[0]);
  });
});
