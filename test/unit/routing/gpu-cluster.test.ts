import { modelCapacity, servingCapacityGpuHoursPerHour, siteForOptimizer } from '../../../core/gpu/capacity.js';
import { applyHealth, assessNodeHealth, type GpuHealthSample } from '../../../core/gpu/health.js';
import {
  cordonNode,
  drainNode,
  inventoryFromSite,
  schedulableGpus,
  uncordonNode,
} from '../../../core/gpu/inventory.js';
import { siteSchema } from '../../../core/model/site.js';
import { LLAMA_8B, LLAMA_70B, site } from './fixtures.js';

const cool = (index: number): GpuHealthSample => ({ index, temperatureC: 60, eccDoubleBitErrors: 0, xidErrors: [] });
const west = site('site-west-1');

describe('GPU cluster management', () => {
  it('lists every node of every pool, 8 GPUs each, all schedulable', () => {
    // Act
    const inventory = inventoryFromSite(west);

    // Assess
    expect(inventory.nodes).toHaveLength(32);
    expect(schedulableGpus(inventory, west.id, 'west-h100-a')).toBe(256);
  });

  it('takes cordoned and draining nodes out of the schedulable GPUs and puts an uncordoned one back', () => {
    // Prepare
    const inventory = inventoryFromSite(west);
    const [a, b] = inventory.nodes;

    // Act
    const cordoned = cordonNode(inventory, a!.nodeId, 'firmware update');
    const drained = cordoned.ok ? drainNode(cordoned.inventory, b!.nodeId, 'rack move') : cordoned;
    const back = drained.ok ? uncordonNode(drained.inventory, a!.nodeId) : drained;
    const unknown = cordonNode(inventory, 'nope', 'x');

    // Assess
    if (!drained.ok || !back.ok) throw new Error('expected known nodes');
    expect(schedulableGpus(drained.inventory, west.id, 'west-h100-a')).toBe(240);
    expect(drained.inventory.nodes[1]).toMatchObject({ state: 'draining', reason: 'rack move' });
    expect(schedulableGpus(back.inventory, west.id, 'west-h100-a')).toBe(248);
    expect(unknown).toEqual({ ok: false, error: 'unknown-node', nodeId: 'nope' });
  });

  it('reads temperature, double-bit ECC and hardware XIDs as unhealthy, application XIDs as nothing', () => {
    // Act
    const hot = assessNodeHealth({ nodeId: 'n', gpus: [cool(0), { ...cool(1), temperatureC: 90 }] });
    const warm = assessNodeHealth({ nodeId: 'n', gpus: [{ ...cool(0), temperatureC: 86 }] });
    const dbe = assessNodeHealth({ nodeId: 'n', gpus: [{ ...cool(0), eccDoubleBitErrors: 1 }] });
    const sbe = assessNodeHealth({ nodeId: 'n', gpus: [{ ...cool(0), eccSingleBitErrors: 150 }] });
    const offBus = assessNodeHealth({ nodeId: 'n', gpus: [{ ...cool(3), xidErrors: [79] }] });
    const appFault = assessNodeHealth({ nodeId: 'n', gpus: [{ ...cool(0), xidErrors: [13, 31, 43] }] });

    // Assess
    expect(hot).toMatchObject({ status: 'unhealthy', findings: [{ gpu: 1, kind: 'temperature' }] });
    expect(warm.status).toBe('degraded');
    expect(dbe.findings[0]).toMatchObject({ kind: 'ecc-double-bit', severity: 'unhealthy' });
    expect(sbe.status).toBe('degraded');
    expect(offBus.findings[0]).toMatchObject({ gpu: 3, kind: 'xid', detail: 'XID 79' });
    expect(appFault).toEqual({ nodeId: 'n', status: 'healthy', findings: [] });
  });

  it('drains an unhealthy node, cordons a degraded one, and returns a node health cordoned once healthy', () => {
    // Prepare
    const inventory = inventoryFromSite(west);
    const [n1, n2] = inventory.nodes.map((n) => n.nodeId);

    // Act
    const first = applyHealth(inventory, [
      {
        nodeId: n1!,
        status: 'unhealthy',
        findings: [{ gpu: 0, severity: 'unhealthy', kind: 'xid', detail: 'XID 48' }],
      },
      {
        nodeId: n2!,
        status: 'degraded',
        findings: [{ gpu: 2, severity: 'degraded', kind: 'temperature', detail: '86 °C' }],
      },
    ]);
    const second = applyHealth(first.inventory, [{ nodeId: n2!, status: 'healthy', findings: [] }]);

    // Assess
    expect(first.actions.map((a) => a.action)).toEqual(['drain', 'cordon']);
    expect(first.inventory.nodes[0]).toMatchObject({
      state: 'draining',
      cordonedBy: 'health',
      reason: 'gpu 0: XID 48',
    });
    expect(second.actions).toEqual([{ nodeId: n2, action: 'uncordon', reason: 'healthy again' }]);
    expect(second.inventory.nodes[1]!.state).toBe('active');
  });

  it("never lifts an operator's cordon on a healthy reading", () => {
    // Prepare
    const inventory = inventoryFromSite(west);
    const nodeId = inventory.nodes[0]!.nodeId;
    const cordoned = cordonNode(inventory, nodeId, 'maintenance window');
    if (!cordoned.ok) throw new Error('expected a known node');

    // Act
    const result = applyHealth(cordoned.inventory, [{ nodeId, status: 'healthy', findings: [] }]);

    // Assess
    expect(result.actions).toEqual([]);
    expect(result.inventory.nodes[0]).toMatchObject({ state: 'cordoned', cordonedBy: 'operator' });
  });

  it('gives capacity per model from schedulable GPUs: 70B in groups of four H100s, 8B on single GPUs', () => {
    // Prepare
    const inventory = inventoryFromSite(west);
    const drained = drainNode(inventory, inventory.nodes[0]!.nodeId, 'XID 79');
    if (!drained.ok) throw new Error('expected a known node');

    // Act
    const rows = modelCapacity(west, drained.inventory);

    // Assess
    const big = rows.find((r) => r.modelId === LLAMA_70B)!;
    const small = rows.find((r) => r.modelId === LLAMA_8B)!;
    expect(big).toMatchObject({ gpusPerReplica: 4, replicas: 62, tokensPerSec: 248 * 900 });
    expect(small).toMatchObject({ gpusPerReplica: 1, replicas: 248 });
  });

  it('feeds the optimizer a valid site whose pools count only schedulable GPUs', () => {
    // Prepare
    let inventory = inventoryFromSite(west);
    for (const node of inventory.nodes.slice(0, 4)) {
      const result = cordonNode(inventory, node.nodeId, 'test');
      if (result.ok) inventory = result.inventory;
    }

    // Act
    const forOptimizer = siteForOptimizer(west, inventory);

    // Assess
    expect(siteSchema.safeParse(forOptimizer).success).toBe(true);
    expect(forOptimizer.gpuPools[0]!.count).toBe(224);
    expect(servingCapacityGpuHoursPerHour(west, inventory)).toBeCloseTo(224, 9);
  });
});
