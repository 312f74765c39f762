import { randomUUID } from 'node:crypto';
import { stepFunctionsSwitchFlows } from '../../../functions/api/switch-flows.js';
import { listAudit } from '../../../functions/shared/data/audit-log.js';
import { LOCAL_SWITCH_FLOW_ARN, localStepFunctionsClient } from '../../../sim/local/aws-sdk-endpoints.js';
import { TaskTokenRegistry } from '../../../sim/local/stepfunctions/index.js';
import { until } from '../../support/until.js';
import { type ApiHarness, startApiHarness } from '../api/harness.js';

/**
 * An operator's override sent again with its Idempotency-Key (the client retrying after a 5xx whose flow had in fact
 * started) is made once: one override record, one audit entry, one SwitchFlow execution, the same answer. The API
 * starts flows through the deployed adapter (`stepFunctionsSwitchFlows`) on a Step Functions client answered by the
 * local endpoint, which keeps the service's rule for execution names (same name and input as a running execution:
 * that execution; a closed one: ExecutionAlreadyExists).
 */

let h: ApiHarness;
const started: string[] = [];
/** Executions the test lets end, so a repeat meets a closed execution. */
const finish = new Map<string, () => void>();
const sfn = localStepFunctionsClient({
  registry: new TaskTokenRegistry(),
  start: (name) => {
    started.push(name);
    return new Promise<void>((resolve) => finish.set(name, resolve));
  },
});
const arnBefore = process.env.SWITCH_FLOW_ARN;

beforeAll(async () => {
  process.env.SWITCH_FLOW_ARN = LOCAL_SWITCH_FLOW_ARN;
  h = await startApiHarness({
    tableName: 'hcp-override-idempotency',
    switchFlows: stepFunctionsSwitchFlows(sfn.client),
  });
});

afterAll(async () => {
  if (arnBefore === undefined) delete process.env.SWITCH_FLOW_ARN;
  else process.env.SWITCH_FLOW_ARN = arnBefore;
  await h?.stop();
});

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();
const post = (path: string, idempotencyKey: string | undefined, body: unknown) =>
  h.call('POST', path, {
    key: h.demo.operatorApiKey,
    body,
    ...(idempotencyKey ? { headers: { 'Idempotency-Key': idempotencyKey } } : {}),
  });

async function auditOf(executionName: string) {
  const entries = await listAudit({ client: h.documents, tableName: h.tableName }, 'platform', 1000);
  expect(entries.nextCursor).toBeUndefined();
  return entries.items.filter(
    (e) => (e.detail as { executionName?: string } | undefined)?.executionName === executionName,
  );
}

describe('an override sent again with its Idempotency-Key', () => {
  it('is made once while its flow runs and after it ended: same execution, one record, one audit entry', async () => {
    // Prepare
    const key = randomUUID();
    const body = { kind: 'curtail', shedKw: 120, reason: 'idempotent retry', expiresAt: inAnHour() };

    // Act: the first request, a repeat while the flow runs, then a repeat after it ended.
    const first = await post('/v1/sites/site-south-1/overrides', key, body);
    const whileRunning = await post('/v1/sites/site-south-1/overrides', key, body);
    finish.get(first.body.executionName)?.();
    await until('the first execution ended', () => sfn.executions.get(first.body.executionName)?.running === false);
    const afterEnd = await post('/v1/sites/site-south-1/overrides', key, body);

    // Assess
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    for (const repeat of [whileRunning, afterEnd]) {
      expect(repeat.status).toBe(202);
      expect(repeat.headers.get('idempotent-replayed')).toBe('true');
      expect(repeat.body).toEqual(first.body);
    }
    expect(started.filter((name) => name === first.body.executionName)).toHaveLength(1);
    expect(await auditOf(first.body.executionName)).toHaveLength(1);
    const site = await h.call('GET', '/v1/sites/site-south-1', { key: h.demo.operatorApiKey });
    expect(site.body.override).toMatchObject({ executionName: first.body.executionName, override: body });
  });

  it('refuses the key with another request (422 naming Idempotency-Key) and leaves the first override standing', async () => {
    // Prepare
    const key = randomUUID();
    const body = { kind: 'curtail', shedKw: 80, reason: 'first', expiresAt: inAnHour() };
    const first = await post('/v1/sites/site-south-1/overrides', key, body);

    // Act
    const otherBody = await post('/v1/sites/site-south-1/overrides', key, { ...body, shedKw: 90 });
    const otherRoute = await h.call('PUT', '/v1/sites/site-south-1/power-limit', {
      key: h.demo.operatorApiKey,
      headers: { 'Idempotency-Key': key },
      body: { limitKw: 500, reason: 'first', expiresAt: body.expiresAt },
    });

    // Assess
    for (const refused of [otherBody, otherRoute]) {
      expect(refused.status).toBe(422);
      expect(refused.body.error).toMatchObject({ code: 'idempotency-conflict' });
      expect(refused.body.error.issues[0]).toMatchObject({ field: 'Idempotency-Key' });
    }
    const site = await h.call('GET', '/v1/sites/site-south-1', { key: h.demo.operatorApiKey });
    expect(site.body.override).toMatchObject({ executionName: first.body.executionName, override: body });
  });

  it('without a key, makes a new override each time (the route’s behaviour before keys)', async () => {
    const body = { kind: 'curtail', shedKw: 60, reason: 'no key', expiresAt: inAnHour() };
    const a = await post('/v1/sites/site-south-1/overrides', undefined, body);
    const b = await post('/v1/sites/site-south-1/overrides', undefined, body);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.body.executionName).not.toBe(b.body.executionName);
  });

  it('refuses a malformed key naming the header', async () => {
    const answer = await post('/v1/sites/site-south-1/overrides', 'has spaces in it', {
      kind: 'curtail',
      shedKw: 60,
      reason: 'bad key',
      expiresAt: inAnHour(),
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.issues[0]).toMatchObject({ field: 'Idempotency-Key' });
  });
});
