import type { GpuNodeReport } from '../../../../core/gpu/node-messages.js';
import { ManualClock } from '../../../../core/support/clock.js';
import { readNodeHealth } from '../src/health.js';
import { InventoryReporter, inventoryKey } from '../src/inventory.js';
import { PeriodicRead } from '../src/periodic-read.js';
import { MODEL, POOL, T0, workerNode } from './fixtures.js';

const inventory = (state: 'active' | 'cordoned', runningJobs: number, seenMs: number): GpuNodeReport => ({
  siteId: 'site-west-1',
  reportedAt: new Date(seenMs).toISOString(),
  nodes: [
    {
      nodeId: 'n1',
      poolId: POOL,
      modelId: MODEL,
      gpuCount: 8,
      state,
      health: 'healthy',
      findings: [],
      runningJobs,
      lastSeenAt: new Date(seenMs).toISOString(),
    },
  ],
});

describe('GpuWorker inventory report', () => {
  it('counts a change of state, not of running jobs or last-seen time', () => {
    expect(inventoryKey(inventory('active', 0, T0))).toBe(inventoryKey(inventory('active', 3, T0 + 5000)));
    expect(inventoryKey(inventory('active', 0, T0))).not.toBe(inventoryKey(inventory('cordoned', 0, T0)));
  });

  it('sends on a change and at least every period, and sends again after a lost report', async () => {
    // Prepare
    const sent: GpuNodeReport[] = [];
    let down = false;
    const reporter = new InventoryReporter(
      {
        publish: async (payload) => {
          if (down) throw new Error('offline');
          sent.push(JSON.parse(payload));
        },
      },
      10_000,
      () => {},
    );

    // Act
    reporter.offer(inventory('active', 0, T0), T0);
    reporter.offer(inventory('active', 2, T0 + 1000), T0 + 1000);
    reporter.offer(inventory('cordoned', 2, T0 + 2000), T0 + 2000);
    reporter.offer(inventory('cordoned', 0, T0 + 12_000), T0 + 12_000);
    down = true;
    reporter.offer(inventory('active', 0, T0 + 13_000), T0 + 13_000);
    await new Promise((resolve) => setImmediate(resolve));
    down = false;
    reporter.offer(inventory('active', 0, T0 + 14_000), T0 + 14_000);
    await new Promise((resolve) => setImmediate(resolve));

    // Assess: start, the cordon, the interval, then the lost report's replacement
    expect(sent.map((r) => [r.nodes[0]!.state, Date.parse(r.reportedAt) - T0])).toEqual([
      ['active', 0],
      ['cordoned', 2000],
      ['cordoned', 12_000],
      ['active', 14_000],
    ]);
  });
});

describe('GpuWorker node readings', () => {
  it('reads each node’s GPU health and leaves out a node that does not answer', async () => {
    // Act
    const samples = await readNodeHealth([workerNode('n1'), workerNode('n2')], {
      readHealth: async (url) => (url.includes('n2') ? [{ index: 0, temperatureC: 51 }] : undefined),
    });

    // Assess
    expect(samples).toEqual([{ nodeId: 'n2', gpus: [{ index: 0, temperatureC: 51 }] }]);
  });

  it('takes a reading at most every period and never two at once', async () => {
    // Prepare
    const clock = new ManualClock(T0);
    const reads = new PeriodicRead(1000);
    const stamps: number[] = [];
    let release: () => void = () => {};
    const read = (atMs: number) => {
      stamps.push(atMs);
      return new Promise<void>((resolve) => {
        release = resolve;
      });
    };

    // Act
    const first = reads.run(clock, read);
    clock.advanceMs(5000);
    const overlapping = reads.run(clock, read);
    const dueWhileOut = reads.due(clock.nowMs());
    release();
    await first;
    const tooSoon = reads.due(T0 + 999);
    clock.advanceMs(1000);
    const next = reads.run(clock, read);
    release();
    await next;

    // Assess
    expect(overlapping).toBe(first);
    expect(dueWhileOut).toBe(true);
    expect(tooSoon).toBe(false);
    expect(stamps).toEqual([T0, T0 + 6000]);
  });
});
