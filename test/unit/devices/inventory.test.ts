import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { generateSiteInventory } from '../../../core/synthetic/resources.js';
import { asicInventory, gpuNodeInventory, proportionalSplit } from '../../../sim/devices/inventory.js';

const west = referenceFleet.sites[0]!;

describe('device inventory', () => {
  it('gives the same miners and GPU nodes for the same seed', () => {
    // Act
    const first = JSON.stringify([asicInventory(west, 300, 42), gpuNodeInventory(west, 4, 8, 42)]);
    const second = JSON.stringify([asicInventory(west, 300, 42), gpuNodeInventory(west, 4, 8, 42)]);

    // Assess
    expect(second).toBe(first);
  });

  it('gives different serials, MACs and GPU UUIDs for another seed', () => {
    // Act
    const a = asicInventory(west, 50, 1);
    const b = asicInventory(west, 50, 2);
    const gpuA = gpuNodeInventory(west, 1, 8, 1)[0]!;
    const gpuB = gpuNodeInventory(west, 1, 8, 2)[0]!;

    // Assess
    expect(a.map((m) => m.serial)).not.toEqual(b.map((m) => m.serial));
    expect(a.map((m) => m.mac)).not.toEqual(b.map((m) => m.mac));
    expect(gpuA.gpus.map((g) => g.uuid)).not.toEqual(gpuB.gpus.map((g) => g.uuid));
  });

  it('splits miners across the site groups in proportion to their unit counts, with unique ids and addresses', () => {
    // Act
    const miners = asicInventory(west, 700, 9);

    // Assess: site-west-1 has 4,000 S21 and 3,000 S19 XP.
    expect(miners.filter((m) => m.groupId === 'west-s21-a')).toHaveLength(400);
    expect(miners.filter((m) => m.groupId === 'west-s19xp-a')).toHaveLength(300);
    expect(new Set(miners.map((m) => m.id)).size).toBe(700);
    expect(new Set(miners.map((m) => m.lanIp)).size).toBe(700);
    expect(miners[0]!.serial).toMatch(/^[A-Z0-9]{10,}$/);
    expect(miners[0]!.mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
  });

  it('uses the devices of the shared site inventory, so asset lists and virtual devices agree', () => {
    // Prepare
    const shared = generateSiteInventory(west, 0, 5, { maxDevicesPerGroup: 10 });

    // Act
    const miners = asicInventory(west, 7, 5);
    const node = gpuNodeInventory(west, 1, 8, 5)[0]!;

    // Assess
    const firstS21 = shared.asics.find((a) => a.groupId === 'west-s21-a')!;
    expect(miners[0]).toMatchObject({ id: firstS21.deviceId, serial: firstS21.serial, lanIp: firstS21.ipAddress });
    expect(node.gpus.map((g) => g.uuid)).toEqual(shared.gpus.slice(0, 8).map((g) => g.uuid));
  });

  it('splits a total by weight exactly, largest remainders first', () => {
    // Act & Assess
    expect(proportionalSplit([4000, 3000], 7)).toEqual([4, 3]);
    expect(proportionalSplit([1, 1, 1], 2)).toEqual([1, 1, 0]);
    expect(proportionalSplit([1500, 1000], 1)).toEqual([1, 0]);
    expect(proportionalSplit([5, 5], 0)).toEqual([0, 0]);
  });
});
