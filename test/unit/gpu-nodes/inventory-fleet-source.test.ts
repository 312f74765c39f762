import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import type { GpuNodeReport } from '../../../core/gpu/node-messages.js';
import { ManualClock } from '../../../core/support/clock.js';
import { InventoryFleetSource } from '../../../functions/optimizer/adapters/inventory-fleet-source.js';
import { StaticFleetSource } from '../../../functions/optimizer/adapters/static-fleet-source.js';
import type { StoredGpuNodeReport } from '../../../functions/shared/data/gpu-node-store.js';

const NOW = Date.parse('2026-03-02T12:00:00Z');
const WEST = referenceFleet.sites.find((s) => s.id === 'site-west-1')!;
const POOL = WEST.gpuPools[0]!;

const node = (nodeId: string, state: 'active' | 'cordoned' | 'draining') => ({
  nodeId,
  poolId: POOL.id,
  modelId: 'meta-llama/Llama-3.1-8B-Instruct',
  gpuCount: 8,
  state,
  health: 'healthy' as const,
  findings: [],
  runningJobs: 0,
});

function source(stored: Record<string, StoredGpuNodeReport>) {
  return new InventoryFleetSource(
    new StaticFleetSource(referenceFleet),
    { get: async (siteId) => stored[siteId] },
    new ManualClock(NOW),
  );
}

const report = (nodes: GpuNodeReport['nodes']): GpuNodeReport => ({
  siteId: WEST.id,
  reportedAt: new Date(NOW - 5000).toISOString(),
  nodes,
});

describe('InventoryFleetSource', () => {
  it('does not plan the GPUs of cordoned and draining nodes, and leaves sites without a report as configured', async () => {
    // Prepare
    const stored = {
      [WEST.id]: {
        report: report([node('n1', 'cordoned'), node('n2', 'draining'), node('n3', 'active')]),
        receivedAt: new Date(NOW - 4000).toISOString(),
      },
    };

    // Act
    const fleet = await source(stored).load();

    // Assess
    const west = fleet.sites.find((s) => s.id === WEST.id)!;
    expect(west.gpuPools.find((p) => p.id === POOL.id)!.count).toBe(POOL.count - 16);
    for (const site of fleet.sites.filter((s) => s.id !== WEST.id)) {
      expect(site).toBe(referenceFleet.sites.find((s) => s.id === site.id));
    }
  });

  it('plans a site as configured when its last report is older than 15 minutes', async () => {
    // Prepare
    const stored = {
      [WEST.id]: { report: report([node('n1', 'cordoned')]), receivedAt: new Date(NOW - 16 * 60_000).toISOString() },
    };

    // Act
    const fleet = await source(stored).load();

    // Assess
    expect(fleet.sites.find((s) => s.id === WEST.id)).toBe(WEST);
  });
});
