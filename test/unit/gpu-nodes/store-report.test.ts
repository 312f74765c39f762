import type { GpuNodeReport } from '../../../core/gpu/node-messages.js';
import { storeGpuNodeReport } from '../../../functions/gpu-nodes/store-report.js';
import type { GpuNodeStore, StoredGpuNodeReport } from '../../../functions/shared/data/gpu-node-store.js';

/** The store's contract in memory: the newest report by `reportedAt` wins. */
function memoryStore(): GpuNodeStore & { items: Map<string, StoredGpuNodeReport> } {
  const items = new Map<string, StoredGpuNodeReport>();
  return {
    items,
    async put(report, receivedAt) {
      const current = items.get(report.siteId);
      if (current && Date.parse(current.report.reportedAt) >= Date.parse(report.reportedAt)) return false;
      items.set(report.siteId, { report, receivedAt });
      return true;
    },
    async get(siteId) {
      return items.get(siteId);
    },
  };
}

const report: GpuNodeReport = {
  siteId: 'site-west-1',
  reportedAt: '2026-03-02T12:00:00.000Z',
  nodes: [
    {
      nodeId: 'n1',
      poolId: 'west-h100-a',
      modelId: 'meta-llama/Llama-3.1-8B-Instruct',
      gpuCount: 8,
      state: 'draining',
      cordonedBy: 'health',
      reason: 'gpu 3: XID 79',
      health: 'unhealthy',
      findings: [{ gpu: 3, severity: 'unhealthy', kind: 'xid', detail: 'XID 79' }],
      runningJobs: 1,
      lastSeenAt: '2026-03-02T11:59:59.000Z',
    },
  ],
};

describe('storeGpuNodeReport', () => {
  it('stores a valid report with the time it was received', async () => {
    // Prepare
    const store = memoryStore();

    // Act
    const outcome = await storeGpuNodeReport(store, report, Date.parse('2026-03-02T12:00:01Z'));

    // Assess
    expect(outcome).toEqual({ ok: true, effect: 'stored', siteId: 'site-west-1' });
    expect(store.items.get('site-west-1')).toEqual({ report, receivedAt: '2026-03-02T12:00:01.000Z' });
  });

  it('says so when an older report arrives after a newer one, and keeps the newer', async () => {
    // Prepare
    const store = memoryStore();
    await storeGpuNodeReport(store, report, 0);

    // Act
    const outcome = await storeGpuNodeReport(store, { ...report, reportedAt: '2026-03-02T11:59:00.000Z' }, 0);

    // Assess
    expect(outcome).toMatchObject({ ok: true, effect: 'older-than-stored' });
    expect(store.items.get('site-west-1')!.report.reportedAt).toBe(report.reportedAt);
  });

  it('refuses a malformed report naming the fields, and stores nothing', async () => {
    // Prepare
    const store = memoryStore();

    // Act
    const outcome = await storeGpuNodeReport(store, { ...report, siteId: 'Site West', nodes: 'none' }, 0);

    // Assess
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? [] : outcome.issues.map((i) => i.field).sort()).toEqual(['nodes', 'siteId']);
    expect(store.items.size).toBe(0);
  });
});
