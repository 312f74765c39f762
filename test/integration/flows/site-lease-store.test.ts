import { ManualClock } from '../../../core/support/clock.js';
import { DynamoSiteLeaseStore, LeasedSwitchStateStore } from '../../../functions/shared/data/site-lease-store.js';
import { DynamoSwitchStateStore } from '../../../functions/shared/data/switch-state-store.js';
import { type LocalTable, startLocalTable } from '../../support/local-table.js';

/** The site lease store (the MRSC lease table's adapter) on DynamoDB Local: its conditions are DynamoDB's to judge. */

const TABLE = 'hcp-site-leases-test';
const T0 = Date.UTC(2026, 11, 7);
let table: LocalTable;

beforeAll(async () => {
  table = await startLocalTable(TABLE);
});
afterAll(async () => {
  await table?.stop();
});

function regions(siteSuffix: string) {
  const clock = new ManualClock(T0);
  const store = (region: string) => new DynamoSiteLeaseStore({ client: table.client, tableName: TABLE, region, clock });
  return { clock, east: store('us-east-2'), west: store('us-west-2'), siteId: `site-${siteSuffix}` };
}

describe('site lease store', () => {
  it('lets only the primary create a lease, then renews it for its holder and makes the other wait', async () => {
    // Prepare
    const { clock, east, west, siteId } = regions('create');
    // Act // Assess
    await expect(west.keep(siteId, { mayCreate: false })).resolves.toMatchObject({ kind: 'wait' });
    await expect(east.keep(siteId, { mayCreate: true })).resolves.toMatchObject({ kind: 'take', lease: { epoch: 1 } });
    clock.advanceMs(60_000);
    await expect(east.keep(siteId)).resolves.toMatchObject({ kind: 'renew', lease: { epoch: 1 } });
    await expect(west.keep(siteId)).resolves.toMatchObject({ kind: 'wait', holder: 'us-east-2' });
    await expect(east.get(siteId)).resolves.toMatchObject({ holder: 'us-east-2', expiresAtMs: T0 + 60_000 + 180_000 });
  });

  it('passes the lease to the standby only after expiry + margin, under a new epoch that fences the old holder', async () => {
    const { clock, east, west, siteId } = regions('takeover');
    await east.keep(siteId);
    const first = await east.allocateSeq(siteId);
    clock.advanceMs(180_000 + 4_999);
    await expect(west.keep(siteId)).resolves.toMatchObject({ kind: 'wait' });
    // The old holder's lease has run out: it draws nothing more, even before anyone took it.
    await expect(east.allocateSeq(siteId)).rejects.toMatchObject({ name: 'LeaseNotHeld' });
    clock.advanceMs(1);
    await expect(west.keep(siteId)).resolves.toMatchObject({ kind: 'take', lease: { holder: 'us-west-2', epoch: 2 } });
    const next = await west.allocateSeq(siteId);
    expect(first).toMatchObject({ seq: 1, epoch: 1 });
    // The counter moved with the lease: the standby's first number is above the primary's last.
    expect(next).toMatchObject({ seq: 2, epoch: 2 });
    await expect(east.resyncSeq(siteId, 50)).rejects.toMatchObject({ name: 'LeaseNotHeld' });
    await expect(east.advanceEpoch(siteId)).rejects.toMatchObject({ name: 'LeaseNotHeld' });
  });

  it('reads the held epochs for a plan, and refuses the plan once the lease moved or is about to lapse', async () => {
    // Prepare
    const { clock, east, west, siteId } = regions('plans');
    await east.keep(siteId);
    const held = await east.heldEpochs([siteId, 'site-unknown']);
    // Act // Assess
    expect([...held]).toEqual([[siteId, 1]]);
    await expect(east.refusePlan({ [siteId]: 1 })).resolves.toEqual([]);
    clock.advanceMs(180_000 - 10_000);
    await expect(east.refusePlan({ [siteId]: 1 })).resolves.toEqual([{ siteId, reason: 'expired' }]);
    clock.advanceMs(15_000);
    await west.keep(siteId);
    await expect(east.refusePlan({ [siteId]: 1 })).resolves.toEqual([{ siteId, reason: 'not-held' }]);
    await expect(west.refusePlan({ [siteId]: 1 })).resolves.toEqual([{ siteId, reason: 'epoch-changed' }]);
    await expect(west.refusePlan({ [siteId]: 2 })).resolves.toEqual([]);
  });

  it('cuts a command’s validity at the lease’s expiry', async () => {
    const { clock, east, siteId } = regions('validity');
    await east.keep(siteId);
    await expect(east.allocateSeq(siteId)).resolves.toMatchObject({ validForMs: 90_000 });
    clock.advanceMs(180_000 - 30_000);
    await expect(east.allocateSeq(siteId)).resolves.toMatchObject({ validForMs: 30_000 });
  });

  it('lets two regions racing for an expired lease both read it, but only one take it', async () => {
    const { clock, east, west, siteId } = regions('race');
    await east.keep(siteId);
    clock.advanceMs(400_000);
    const [a, b] = await Promise.all([west.keep(siteId), east.keep(siteId)]);
    expect([a.kind, b.kind].sort()).toEqual(['take', 'wait']);
    await expect(east.get(siteId)).resolves.toMatchObject({ epoch: 2 });
  });

  it('resyncs the counter up only and advances the epoch for its holder; the switch state stays regional', async () => {
    const { east, siteId } = regions('resync');
    await east.keep(siteId);
    const states = new LeasedSwitchStateStore(
      east,
      new DynamoSwitchStateStore({ client: table.client, tableName: TABLE }),
    );
    await states.allocateSeq(siteId);
    await expect(states.resyncSeq(siteId, 40)).resolves.toBe(40);
    await expect(states.resyncSeq(siteId, 10)).resolves.toBe(40);
    await expect(states.advanceEpoch(siteId)).resolves.toBe(2);
    await expect(states.allocateSeq(siteId)).resolves.toMatchObject({ seq: 41, epoch: 2 });
    await states.put({ siteId, status: 'committed', executionName: 'x', updatedAt: new Date(T0).toISOString() });
    await expect(states.get(siteId)).resolves.toMatchObject({ status: 'committed' });
  });
});
