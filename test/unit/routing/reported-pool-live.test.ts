import type { GpuNodeStatus } from '../../../core/gpu/node-messages.js';
import { fixedClock } from '../../../core/support/clock.js';
import { poolLiveOf, ReportedPoolLive } from '../../../functions/routing/adapters/reported-pool-live.js';
import { LLAMA_8B, LLAMA_70B, NOW } from './fixtures.js';

const node = (nodeId: string, overrides: Partial<GpuNodeStatus> = {}): GpuNodeStatus => ({
  nodeId,
  poolId: 'west-h100-a',
  modelId: LLAMA_8B,
  gpuCount: 8,
  state: 'active',
  health: 'healthy',
  findings: [],
  runningJobs: 0,
  ...overrides,
});
const report = {
  siteId: 'site-west-1',
  reportedAt: new Date(NOW).toISOString(),
  nodes: [
    node('n1'),
    node('n2'),
    node('n3', { modelId: LLAMA_70B, state: 'cordoned', cordonedBy: 'operator' }),
    node('n4', { poolId: 'west-h100-b', modelId: LLAMA_70B, state: 'draining' }),
  ],
};

describe("the router's live view from the GPU workers' reports", () => {
  it('counts the models loaded on nodes that take work, and only those as servable', () => {
    // Act
    const live = poolLiveOf(report);

    // Assess: a cordoned or draining node's model is neither warm nor servable there
    expect(live['west-h100-a']).toEqual({ warmGpusByModel: { [LLAMA_8B]: 16 }, servableModels: [LLAMA_8B] });
    expect(live['west-h100-b']).toEqual({ warmGpusByModel: {}, servableModels: [] });
  });

  it('ignores a stale report or none, so every model counts its warm-up', async () => {
    // Prepare
    const stored = { report, receivedAt: new Date(NOW).toISOString() };
    const store = { get: async (siteId: string) => (siteId === 'site-west-1' ? stored : undefined) };

    // Act
    const fresh = await new ReportedPoolLive(store, fixedClock(NOW + 60_000)).live('site-west-1');
    const stale = await new ReportedPoolLive(store, fixedClock(NOW + 6 * 60_000)).live('site-west-1');
    const none = await new ReportedPoolLive(store, fixedClock(NOW)).live('site-south-1');

    // Assess
    expect(Object.keys(fresh)).toEqual(['west-h100-a', 'west-h100-b']);
    expect(stale).toEqual({});
    expect(none).toEqual({});
  });
});
