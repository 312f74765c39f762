import type { Context } from 'aws-lambda';
import { newBid, placeBidBodySchema } from '../../../core/bids/bid.js';
import { bidStatementSection } from '../../../core/bids/statement.js';
import { DynamoBidStore } from '../../../functions/shared/data/bid-store.js';
import { DynamoMarketSnapshotStore } from '../../../functions/shared/data/market-snapshot-store.js';
import { type CfnTemplate, createStateMachineRunner } from '../../../sim/local/stepfunctions/index.js';
import { PATIENT_ACK_WAIT, synthesizeControlFlows } from './control-flows-stack.js';
import { type FlowHarness, marketSnapshot, startFlowHarness, TABLE_NAME } from './harness.js';

/**
 * Bids cleared against mining by the deployed dispatch (issue 28): OptimizeFlow as synthesized, on the local runner
 * and DynamoDB Local, with the bid book wired as in the Lambdas. Two tenants bid; HB_WEST spikes to $3,000/MWh.
 */
let template: CfnTemplate;
let harness: FlowHarness;
let bids: DynamoBidStore;
const MODEL = 'meta-llama/Llama-3.1-70B-Instruct';

beforeAll(async () => {
  template = synthesizeControlFlows(PATIENT_ACK_WAIT);
  harness = await startFlowHarness();
  bids = new DynamoBidStore({ client: harness.client, tableName: TABLE_NAME });
});

afterAll(async () => {
  await harness?.stop();
});

async function place(tenantId: string, id: string, over: Record<string, unknown>) {
  const nowMs = harness.clock.nowMs();
  const body = placeBidBodySchema.parse({
    modelClass: MODEL,
    gpuHours: 10,
    limitUsdPerGpuHour: 4,
    earliestStartAt: new Date(nowMs - 3_600_000).toISOString(),
    deadlineAt: new Date(nowMs + 6 * 3_600_000).toISOString(),
    ...over,
  });
  const bid = newBid(body, id, tenantId, new Date(nowMs).toISOString());
  await bids.place(bid);
  return bid;
}

function optimizeRunner() {
  const { controlPlane, registry } = harness;
  const optimize = controlPlane.optimizeFlow(() => {});
  return createStateMachineRunner({
    template,
    logicalIdPrefix: 'OptimizeFlow',
    registry,
    taskHandlers: optimize.taskHandlers as Record<string, (event: unknown, context: Context) => Promise<unknown>>,
  });
}

describe('bids cleared by OptimizeFlow over a price spike', () => {
  it('clears two tenants’ bids at one price from the GPU-hours the plan gives bids, skips what does not fit, bills the fills', async () => {
    // Prepare
    await new DynamoMarketSnapshotStore({ client: harness.client, tableName: TABLE_NAME }).put(
      marketSnapshot(Date.now(), 3000),
    );
    const rich = await place('tenant-a', 'bid-a-rich', { limitUsdPerGpuHour: 9 });
    const poor = await place('tenant-a', 'bid-a-poor', { limitUsdPerGpuHour: 1.6 });
    const mid = await place('tenant-b', 'bid-b-mid', { limitUsdPerGpuHour: 6 });
    const huge = await place('tenant-b', 'bid-b-huge', {
      limitUsdPerGpuHour: 8,
      gpuHours: 90_000,
      allOrNothing: true,
      maxGpus: 1024,
    });

    // Act
    const result = await optimizeRunner().start({});

    // Assess: the plan gives bids GPU-hours in its first interval, none to the all-or-nothing bid no site fits whole.
    expect(result.status).toBe('SUCCEEDED');
    const plan = (await harness.plans.loadCurrent())!;
    const planned = plan.sites.flatMap((site) => Object.entries(site.bidGpuHours ?? {}));
    expect(planned.length).toBeGreaterThan(0);
    expect(planned.map(([id]) => id)).not.toContain(huge.id);
    // The clearing: one uniform price, no accepted bid above its limit; the all-or-nothing bid skipped whole.
    const [record] = await bids.clearings(plan.sites[0]!.intervals[0]!.startsAt, plan.sites[0]!.intervals[0]!.startsAt);
    expect(record).toBeDefined();
    const filled = new Map(record!.fills.map((f) => [f.bidId, f]));
    const limits = new Map([rich, poor, mid, huge].map((b) => [b.id, b.limitUsdPerGpuHour]));
    expect(record!.priceUsdPerGpuHour).toBe(Math.min(...[...filled.keys()].map((id) => limits.get(id)!)));
    expect(filled.has(huge.id)).toBe(false);
    expect(record!.skipped).toEqual(
      expect.arrayContaining([{ bidId: huge.id, reason: 'all-or-nothing-does-not-fit' }]),
    );
    expect(filled.get(rich.id)?.gpuHours).toBeGreaterThan(0);
    // Statements add up to the fills, tenant by tenant.
    for (const tenantId of ['tenant-a', 'tenant-b']) {
      const section = bidStatementSection(await bids.list(tenantId), 0, Number.MAX_SAFE_INTEGER);
      const fills = record!.fills.filter((f) => f.tenantId === tenantId);
      expect(section.amountUsd).toBeCloseTo(
        fills.reduce((a, f) => a + f.amountUsd, 0),
        6,
      );
      expect(section.gpuHours).toBeCloseTo(
        fills.reduce((a, f) => a + f.gpuHours, 0),
        6,
      );
    }
    // A second dispatch in the same interval does not clear it again.
    await optimizeRunner().start({});
    expect((await bids.get('tenant-a', rich.id))!.fills).toHaveLength(filled.has(rich.id) ? 1 : 0);
  });
});
