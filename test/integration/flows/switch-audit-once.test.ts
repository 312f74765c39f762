import { PLATFORM_TENANT_ID } from '../../../core/api/access.js';
import { ManualClock } from '../../../core/support/clock.js';
import { appendAudit, listAudit, verifyAudit } from '../../../functions/shared/data/audit-log.js';
import { DynamoSwitchLogStore } from '../../../functions/shared/data/switch-log-store.js';
import { ChainedSwitchAudit } from '../../../functions/switching/adapters/chained-switch-audit.js';
import { SiteSwitchLog } from '../../../functions/switching/adapters/site-switch-log.js';
import type { SwitchAuditEntry } from '../../../functions/switching/ports.js';
import { type LocalTable, startLocalTable } from '../../support/local-table.js';

/**
 * The switching audit on the platform's hash chain, on DynamoDB Local (transactions): a commit appended again, as
 * when Step Functions retries CommitSwitch after its answer was lost, is recorded once.
 */

const TABLE = 'hcp-audit-once';
let table: LocalTable;
let deps: Parameters<typeof appendAudit>[0];

beforeAll(async () => {
  table = await startLocalTable(TABLE);
  deps = { client: table.client, tableName: TABLE, clock: new ManualClock(Date.parse('2026-11-29T03:00:00Z')) };
});

afterAll(async () => {
  await table?.stop();
});

const chainOf = async (chain: string) => (await listAudit(deps, chain, 1000)).items;

const commit = (siteId: string, commandId: string): SwitchAuditEntry => ({
  action: 'switch.commit',
  siteId,
  actor: 'optimizer',
  detail: { commandId, seq: 7, kind: 'plan', executionName: `${siteId}-v3`, latencyMs: 1200 },
});

describe('the site switch history', () => {
  it('lists a commit appended twice (a retried CommitSwitch) once, and each other command once', async () => {
    // Prepare
    const clock = new ManualClock(Date.parse('2026-11-29T03:00:00Z'));
    const log = new SiteSwitchLog(new DynamoSwitchLogStore(deps), clock);

    // Act: the same commit twice, a second apart, and another command's commit
    await log.append(commit('site-log-1', 'cmd-1'));
    clock.advanceMs(1000);
    await log.append(commit('site-log-1', 'cmd-1'));
    await log.append(commit('site-log-1', 'cmd-2'));

    // Assess
    const rows = await new DynamoSwitchLogStore(deps).list('site-log-1', 10);
    expect(rows.map((r) => r.commandId).sort()).toEqual(['cmd-1', 'cmd-2']);
  });
});

describe('the switching audit on the hash chain', () => {
  it('records a commit appended twice (a retried CommitSwitch) once, and the chain still verifies', async () => {
    // Prepare
    const audit = new ChainedSwitchAudit(deps);
    const before = new Set((await chainOf(PLATFORM_TENANT_ID)).map((e) => e.hash));

    // Act
    await audit.append(commit('site-west-1', 'cmd-retried'));
    await audit.append(commit('site-west-1', 'cmd-retried'));

    // Assess
    const entries = (await chainOf(PLATFORM_TENANT_ID)).filter((e) => !before.has(e.hash));
    expect(entries.map((e) => [e.action, e.detail?.commandId])).toEqual([['switch.commit', 'cmd-retried']]);
    expect(await verifyAudit(deps, PLATFORM_TENANT_ID)).toMatchObject({ ok: true });
  });

  it('records concurrent repeats of one commit once, and other commands and safe-mode entries each time', async () => {
    // Prepare
    const audit = new ChainedSwitchAudit(deps);
    const before = new Set((await chainOf(PLATFORM_TENANT_ID)).map((e) => e.hash));
    const safeMode: SwitchAuditEntry = {
      action: 'switch.safe-mode',
      siteId: 'site-south-1',
      actor: 'optimizer',
      detail: { error: 'States.Timeout', safeModeCommandId: 'cmd-safe' },
    };

    // Act
    await Promise.all([
      ...Array.from({ length: 5 }, () => audit.append(commit('site-south-1', 'cmd-raced'))),
      audit.append(commit('site-south-1', 'cmd-other')),
      audit.append(commit('site-west-1', 'cmd-raced')),
      audit.append(safeMode),
      audit.append(safeMode),
    ]);

    // Assess
    const entries = (await chainOf(PLATFORM_TENANT_ID)).filter((e) => !before.has(e.hash));
    const commits = entries
      .filter((e) => e.action === 'switch.commit')
      .map((e) => `${e.target} ${e.detail?.commandId}`);
    expect(commits.sort()).toEqual([
      'site/site-south-1 cmd-other',
      'site/site-south-1 cmd-raced',
      'site/site-west-1 cmd-raced',
    ]);
    expect(entries.filter((e) => e.action === 'switch.safe-mode')).toHaveLength(2);
    expect(await verifyAudit(deps, PLATFORM_TENANT_ID)).toMatchObject({ ok: true });
  });

  it('records an event with a once-key once: a repeat with the same key records nothing', async () => {
    // Prepare
    const event = {
      actor: 'admin',
      tenantId: 'tenant-a',
      action: 'plan.override',
      target: 'site/site-west-1',
      requestId: 'req-1',
    };
    const first = await appendAudit(deps, event, 'tenant-a', { onceKey: 'req-1' });

    // Act
    const again = await appendAudit(deps, { ...event, requestId: 'req-1-retry' }, 'tenant-a', { onceKey: 'req-1' });
    const other = await appendAudit(deps, event, 'tenant-a');

    // Assess
    expect([first.recorded, again.recorded, other.recorded]).toEqual([true, false, true]);
    expect((await chainOf('tenant-a')).map((e) => e.requestId).sort()).toEqual(['req-1', 'req-1']);
    expect(await verifyAudit(deps, 'tenant-a')).toMatchObject({ ok: true, checked: 2, pending: 0 });
  });
});
