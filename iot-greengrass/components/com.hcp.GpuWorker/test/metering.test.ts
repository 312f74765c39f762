import { NodeMeter, readNodePower } from '../src/metering.js';
import { T0, workerNode } from './fixtures.js';

const J_PER_KWH = 3_600_000;

describe('GpuWorker metering', () => {
  it('splits a node’s energy and GPU time equally between the runs sharing it', () => {
    // Prepare: 2 kW throughout; a runs alone for 10 s, then b joins for 10 s
    const meter = new NodeMeter();
    meter.record('n1', { atMs: T0, powerW: 2000 });
    meter.open('n1', 'a', T0);
    meter.open('n1', 'b', T0 + 10_000);

    // Act
    const a = meter.close({ nodeId: 'n1', jobId: 'a', gpuCount: 8, startMs: T0 }, T0 + 20_000);
    const b = meter.close({ nodeId: 'n1', jobId: 'b', gpuCount: 8, startMs: T0 + 10_000 }, T0 + 20_000);

    // Assess: a gets 10 s alone plus half of 10 s; b half of 10 s
    expect(a.energyKwh).toBeCloseTo((2000 * 10 + 1000 * 10) / J_PER_KWH, 12);
    expect(a.gpuSeconds).toBeCloseTo(8 * 15, 9);
    expect(b.energyKwh).toBeCloseTo((1000 * 10) / J_PER_KWH, 12);
    expect(b.gpuSeconds).toBeCloseTo(8 * 5, 9);
  });

  it('keeps only the samples a run still open may need, the one in force at its start included', () => {
    // Prepare: samples every 10 s; a ends at 30 s while b, started at 15 s, still runs
    const meter = new NodeMeter();
    for (const s of [0, 10, 20, 30]) meter.record('n1', { atMs: T0 + s * 1000, powerW: 1000 + s });
    meter.open('n1', 'a', T0);
    meter.open('n1', 'b', T0 + 15_000);

    // Act
    meter.close({ nodeId: 'n1', jobId: 'a', gpuCount: 8, startMs: T0 }, T0 + 30_000);
    const kept = meter.samples('n1').map((s) => s.atMs - T0);
    const b = meter.close({ nodeId: 'n1', jobId: 'b', gpuCount: 8, startMs: T0 + 15_000 }, T0 + 40_000);

    // Assess: the 10 s sample (in force at b's start) survived the first close, so b is metered from it
    const expectedJ = 1010 * 5 * 0.5 + 1020 * 10 * 0.5 + 1030 * 10;
    expect(b.energyKwh).toBeCloseTo(expectedJ / J_PER_KWH, 12);
    expect(kept).toEqual([10_000, 20_000, 30_000]);
  });

  it('meters nothing for a run on a node with no samples', () => {
    // Prepare
    const meter = new NodeMeter();
    meter.open('n1', 'a', T0);

    // Act
    const usage = meter.close({ nodeId: 'n1', jobId: 'a', gpuCount: 8, startMs: T0 }, T0 + 5000);

    // Assess
    expect(usage.energyKwh).toBe(0);
    expect(usage.gpuSeconds).toBeCloseTo(40, 9);
  });

  it('reads each node’s power and skips a node that does not answer', async () => {
    // Act
    const readings = await readNodePower([workerNode('n1'), workerNode('n2')], {
      readPower: async (url) => (url.includes('n1') ? { powerW: 5600, gpus: 8 } : undefined),
    });

    // Assess
    expect(readings).toEqual([{ nodeId: 'n1', powerW: 5600 }]);
  });

  it('scales a node’s measured power to the GPUs it is metered as (a virtual 8-GPU board standing for 128)', async () => {
    // Act
    const readings = await readNodePower([workerNode('n1', { gpuCount: 128 })], {
      readPower: async () => ({ powerW: 5600, gpus: 8 }),
    });

    // Assess: 700 W per GPU, on 128 GPUs
    expect(readings).toEqual([{ nodeId: 'n1', powerW: 89_600 }]);
  });
});
