import { App } from 'aws-cdk-lib';
import { buildApp } from '../../bin/app.js';
import { parseAppContext } from '../../bin/config.js';
import { TEST_CONTEXT } from './app-fixture.js';

describe('CDK context validation', () => {
  it('accepts the project context from cdk.json', () => {
    expect(parseAppContext(TEST_CONTEXT).sites).toEqual(['site-west-1', 'site-south-1']);
  });

  it.each([
    [{ ...TEST_CONTEXT, region: 'Ohio' }, 'hcp.region'],
    [{ ...TEST_CONTEXT, sites: [] }, 'hcp.sites'],
    [{ ...TEST_CONTEXT, sites: ['Site/1'] }, 'hcp.sites[0]'],
    [{ ...TEST_CONTEXT, telemetrySink: 'influx' }, 'hcp.telemetrySink'],
    [{ ...TEST_CONTEXT, extra: true }, 'hcp.extra'],
    [
      { ...TEST_CONTEXT, telemetryLifecycle: { infrequentAccessAfterDays: 10 } },
      'hcp.telemetryLifecycle.infrequentAccessAfterDays',
    ],
    [
      { ...TEST_CONTEXT, telemetryLifecycle: { infrequentAccessAfterDays: 90, expireAfterDays: 100 } },
      'hcp.telemetryLifecycle.expireAfterDays: must be at least infrequentAccessAfterDays + 30',
    ],
    [{ ...TEST_CONTEXT, athenaBytesScannedLimitMb: 1 }, 'hcp.athenaBytesScannedLimitMb'],
  ])('refuses a bad context and names the field (%#)', (context, field) => {
    expect(() => parseAppContext(context)).toThrow(field);
  });

  it('stores telemetry in Iceberg unless the context names Timestream', () => {
    expect(parseAppContext(TEST_CONTEXT).telemetrySink).toBe('iceberg');
    expect(parseAppContext({ ...TEST_CONTEXT, telemetrySink: 'timestream' }).telemetrySink).toBe('timestream');
  });

  it('refuses to build the app without an hcp context', () => {
    expect(() => buildApp(new App())).toThrow(/invalid CDK context: hcp/);
  });

  it('reads a JSON string given with -c hcp=...', () => {
    expect(parseAppContext(JSON.stringify(TEST_CONTEXT)).stage).toBe('test');
    expect(() => parseAppContext('{nope')).toThrow('not valid JSON');
  });
});

describe('gateway IoT policy', () => {
  it('scopes every topic to the connecting thing, so a gateway cannot touch another site', async () => {
    const { gatewayPolicyDocument } = await import('../../stacks/constructs/gateway-policy.js');
    const doc = gatewayPolicyDocument('aws', 'us-east-2', '123456789012', 'hcp-token-exchange');
    const resources = doc.Statement.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));
    const siteResources = resources.filter((r) => r.includes('/sites/'));
    expect(siteResources.length).toBeGreaterThan(0);
    for (const r of siteResources) expect(r).toContain('/sites/${iot:Connection.Thing.ThingName}/');
    expect(resources.some((r) => r.includes('*') && r.includes('/sites/'))).toBe(false);
  });
});
