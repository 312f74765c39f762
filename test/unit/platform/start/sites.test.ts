import { referenceFleet } from '../../../../core/fleet/reference-fleet.js';
import type { VirtualFleet } from '../../../../sim/devices/fleet.js';
import { GPUS_PER_NODE, unitsPerDevice } from '../../../../sim/platform/start/sites.js';

const west = referenceFleet.sites[0]!;

function endpoints(counts: Record<string, number>): VirtualFleet['endpoints'] {
  return Object.entries(counts).flatMap(([groupId, n]) =>
    Array.from({ length: n }, (_, i) => ({ groupId, id: `${groupId}-${i}` }) as VirtualFleet['endpoints'][number]),
  );
}

describe('virtual devices per site', () => {
  it("scales each virtual miner to its group's share of units, and each virtual node to its pool's nodes", () => {
    // Prepare
    const [s21, s19] = west.asicGroups;
    const h100 = west.gpuPools[0]!;

    // Act
    const units = new Map(unitsPerDevice(west, endpoints({ [s21!.id]: 4, [s19!.id]: 2, [h100.id]: 1 })));

    // Assess
    expect(units.get(s21!.id)).toBe(s21!.unitCount / 4);
    expect(units.get(s19!.id)).toBe(s19!.unitCount / 2);
    expect(units.get(h100.id)).toBe(h100.count / GPUS_PER_NODE);
  });

  it('lets a group without virtual devices stand as one device, not divide by zero', () => {
    // Act
    const units = new Map(unitsPerDevice(west, []));

    // Assess
    expect(units.get(west.asicGroups[0]!.id)).toBe(west.asicGroups[0]!.unitCount);
  });
});
