import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { siteForOptimizer } from '../../../core/gpu/capacity.js';
import { assessNodeHealth } from '../../../core/gpu/health.js';
import {
  type GpuNodeReport,
  gpuNodeActionBodySchema,
  gpuNodeCommandSchema,
  gpuNodeCommandsTopic,
  gpuNodeReportSchema,
  gpuNodesTopic,
  inventoryForOptimizer,
} from '../../../core/gpu/node-messages.js';
import { ManualClock } from '../../../core/support/clock.js';
import { parseDcgmMetrics } from '../../../iot-greengrass/adapters/gpu/dcgm-exporter.js';
import { healthOfDcgmSample } from '../../../iot-greengrass/adapters/inference/node-health.js';
import { dcgmMetricsText } from '../../../sim/devices/gpu/dcgm-metrics.js';
import { GpuNode } from '../../../sim/devices/gpu/gpu-node.js';
import { gpuNodeInventory } from '../../../sim/devices/inventory.js';

const WEST = referenceFleet.sites.find((s) => s.id === 'site-west-1')!;
const POOL = WEST.gpuPools[0]!;

const status = (nodeId: string, state: 'active' | 'cordoned' | 'draining', gpuCount = 8) => ({
  nodeId,
  poolId: POOL.id,
  modelId: 'meta-llama/Llama-3.1-8B-Instruct',
  gpuCount,
  state,
  health: 'healthy' as const,
  findings: [],
  runningJobs: 0,
});

describe('GPU node messages', () => {
  it('scopes both topics by site and refuses a site id that is not a topic segment', () => {
    // Assess
    expect(gpuNodesTopic('site-west-1')).toBe('hcp/v1/sites/site-west-1/gpu-nodes');
    expect(gpuNodeCommandsTopic('site-west-1')).toBe('hcp/v1/sites/site-west-1/gpu-node-commands');
    expect(() => gpuNodeCommandsTopic('+')).toThrow();
  });

  it('accepts a command and refuses one with an unknown action, a bad id or an extra field, naming each', () => {
    // Prepare
    const command = {
      commandId: '6f1c9a52-3c1e-4c55-9f57-0d7f1d4a2b10',
      siteId: 'site-west-1',
      nodeId: 'gpu-west-01',
      action: 'drain',
      issuedAt: '2026-03-02T12:00:00.000Z',
      reason: 'fan',
      by: 'op-1',
    };

    // Act
    const bad = gpuNodeCommandSchema.safeParse({ ...command, action: 'reboot', commandId: 'x', extra: 1 });

    // Assess
    expect(gpuNodeCommandSchema.parse(command)).toEqual(command);
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.') || i.code).sort()).toEqual([
      'action',
      'commandId',
      'unrecognized_keys',
    ]);
    expect(gpuNodeActionBodySchema.safeParse({ reason: '   ' }).success).toBe(false);
  });

  it('refuses a report whose node has an unknown state or a negative job count', () => {
    // Prepare
    const report = { siteId: 'site-west-1', reportedAt: '2026-03-02T12:00:00Z', nodes: [status('n1', 'active')] };

    // Act
    const bad = gpuNodeReportSchema.safeParse({
      ...report,
      nodes: [{ ...status('n1', 'active'), state: 'gone', runningJobs: -1 }],
    });

    // Assess
    expect(gpuNodeReportSchema.parse(report)).toEqual(report);
    expect(bad.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['nodes.0.runningJobs', 'nodes.0.state']);
  });
});

describe('inventoryForOptimizer', () => {
  it('takes cordoned and draining nodes’ GPUs out of the pool and keeps the GPUs no report covers', () => {
    // Prepare: 3 reported nodes of 8 GPUs, one cordoned and one draining
    const report: GpuNodeReport = {
      siteId: WEST.id,
      reportedAt: '2026-03-02T12:00:00Z',
      nodes: [status('n1', 'active'), status('n2', 'cordoned'), status('n3', 'draining')],
    };

    // Act
    const site = siteForOptimizer(WEST, inventoryForOptimizer(WEST, report));
    const unreported = siteForOptimizer(WEST, inventoryForOptimizer(WEST, undefined));

    // Assess
    expect(site.gpuPools.find((p) => p.id === POOL.id)!.count).toBe(POOL.count - 16);
    expect(unreported.gpuPools.find((p) => p.id === POOL.id)!.count).toBe(POOL.count);
  });

  it('ignores a report of another site', () => {
    // Prepare
    const report: GpuNodeReport = {
      siteId: 'site-south-1',
      reportedAt: '2026-03-02T12:00:00Z',
      nodes: [status('n1', 'cordoned')],
    };

    // Act
    const site = siteForOptimizer(WEST, inventoryForOptimizer(WEST, report));

    // Assess
    expect(site.gpuPools.find((p) => p.id === POOL.id)!.count).toBe(POOL.count);
  });
});

describe('node health from dcgm-exporter text', () => {
  it('reads ECC and XID fields a virtual node exposes after a fault, and assesses the node unhealthy', () => {
    // Prepare: a virtual H100 node whose GPU 2 logs XID 79 and GPU 5 two double-bit ECC errors
    const item = gpuNodeInventory(WEST, 1, 8, 1)[0]!;
    const node = new GpuNode(item, POOL, new ManualClock(0));
    node.injectFault({ gpu: 2, xid: 79 });
    node.injectFault({ gpu: 5, eccDoubleBitErrors: 2, eccSingleBitErrors: 3 });

    // Act
    const samples = parseDcgmMetrics(dcgmMetricsText(node.readings(), item.hostname));
    const gpus = samples.flatMap((s) => healthOfDcgmSample(s) ?? []);
    const health = assessNodeHealth({ nodeId: item.id, gpus });

    // Assess
    expect(gpus).toHaveLength(8);
    expect(gpus[2]).toMatchObject({ index: 2, xidErrors: [79], eccDoubleBitErrors: 0 });
    expect(gpus[5]).toMatchObject({ index: 5, eccDoubleBitErrors: 2, eccSingleBitErrors: 3 });
    expect(gpus[0]!.xidErrors).toBeUndefined();
    expect(health.status).toBe('unhealthy');
    expect(health.findings.map((f) => [f.gpu, f.kind])).toEqual([
      [2, 'xid'],
      [5, 'ecc-double-bit'],
    ]);
  });

  it('clears the faults on a GPU reset, and skips a GPU that reports no temperature', () => {
    // Prepare
    const item = gpuNodeInventory(WEST, 1, 8, 1)[0]!;
    const node = new GpuNode(item, POOL, new ManualClock(0));
    node.injectFault({ gpu: 1, xid: 48, extraTemperatureC: 60 });

    // Act
    node.clearFaults();
    const gpus = parseDcgmMetrics(dcgmMetricsText(node.readings(), item.hostname)).flatMap(
      (s) => healthOfDcgmSample(s) ?? [],
    );

    // Assess
    expect(assessNodeHealth({ nodeId: item.id, gpus }).status).toBe('healthy');
    expect(healthOfDcgmSample({ gpu: 0, powerW: 100 })).toBeUndefined();
    expect(node.injectFault({ gpu: 9, xid: 79 })).toMatchObject({ ok: false, code: 'invalid_gpu' });
  });
});
