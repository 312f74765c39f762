import { readDesiredGatewayConfig, siteConfigShadowUpdate } from '../../../core/fleet/gateway-config-shadow.js';
import { referenceSiteConfigs } from '../../../core/fleet/reference-fleet.js';
import { gatewayConfigFor } from '../../../core/fleet/site-config.js';
import { fixedClock } from '../../../core/support/clock.js';
import { DeviceShadows, SHADOW_MAX_DEPTH, SHADOW_MAX_STATE_BYTES } from '../../../sim/local/device-shadows.js';

const NOW_MS = Date.parse('2026-12-06T12:00:00Z');
const NOW_S = NOW_MS / 1000;

describe('local Device Shadow service (named shadows, as AWS IoT documents them)', () => {
  const fresh = () => new DeviceShadows(fixedClock(NOW_MS));

  it('merges field by field, deletes with null, bumps the version and publishes the delta of desired over reported', () => {
    // Prepare
    const shadows = fresh();
    shadows.update('t', 's', { state: { desired: { a: 1, b: { c: 2, d: 3 } }, reported: { a: 1 } } });
    // Act
    const update = shadows.update('t', 's', { state: { desired: { b: { c: 5, d: null } } }, clientToken: 'x' });
    // Assess
    expect(update).toMatchObject({ ok: true });
    const doc = shadows.document('t', 's')!;
    expect(doc.state).toEqual({ desired: { a: 1, b: { c: 5 } }, reported: { a: 1 } });
    expect(doc.version).toBe(2);
    if (!update.ok) throw new Error('refused');
    expect(update.delta).toEqual({
      state: { b: { c: 5 } },
      metadata: { b: { c: { timestamp: NOW_S } } },
      version: 2,
      timestamp: NOW_S,
      clientToken: 'x',
    });
    expect(update.documents).toMatchObject({ previous: { version: 1 }, current: { version: 2 }, clientToken: 'x' });
  });

  it('publishes no delta for a reported-only update, and none when desired equals reported', () => {
    // Prepare
    const shadows = fresh();
    // Act
    const reportedOnly = shadows.update('t', 's', { state: { reported: { a: 1 } } });
    const same = shadows.update('t', 's', { state: { desired: { a: 1 } } });
    // Assess
    expect(reportedOnly.ok && reportedOnly.delta).toBeUndefined();
    expect(same.ok && same.delta).toBeUndefined();
  });

  it('refuses what AWS refuses, with its codes and messages', () => {
    // Prepare
    const shadows = fresh();
    shadows.update('t', 's', { state: { desired: { a: 1 } } });
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < SHADOW_MAX_DEPTH; i++) deep = { deep };
    // Act
    const results = [
      shadows.update('t', 's', { state: { desired: { a: 2 } }, version: 7 }),
      shadows.update('t', 's', { desired: { a: 2 } }),
      shadows.update('t', 's', { state: { wanted: { a: 2 } } }),
      shadows.update('t', 's', { state: { desired: deep } }),
      shadows.update('t', 's', { state: { desired: { big: 'x'.repeat(SHADOW_MAX_STATE_BYTES) } } }),
      shadows.update('t', 's', { state: { desired: { a: 2 } }, clientToken: 'x'.repeat(65) }),
    ];
    // Assess
    expect(results.map((r) => (r.ok ? 'ok' : `${r.error.code} ${r.error.message}`))).toEqual([
      '409 Version conflict',
      '400 Missing required node: state',
      '400 State contains an invalid node',
      `400 JSON contains too many levels of nesting; maximum is ${SHADOW_MAX_DEPTH}`,
      '413 The payload exceeds the maximum size allowed',
      '400 Invalid clientToken',
    ]);
    expect(shadows.document('t', 's')!.version).toBe(1);
    expect(shadows.get('t', 'other')).toEqual({
      ok: false,
      error: { code: 404, message: "No shadow exists with name: 'other'" },
    });
  });
});

describe('the site configuration in the shadow', () => {
  const config = gatewayConfigFor(referenceSiteConfigs[0]!, 4);

  it('fits the shadow: 8 KB and 6 levels, as the cloud publishes it', () => {
    // Act
    const result = new DeviceShadows(fixedClock(NOW_MS)).update(
      'site-west-1',
      'hcp-site-config',
      siteConfigShadowUpdate(config),
    );
    // Assess
    expect(result.ok).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(siteConfigShadowUpdate(config).state.desired))).toBeLessThan(
      SHADOW_MAX_STATE_BYTES,
    );
  });

  it('reads back the configuration it was given', () => {
    // Act
    const read = readDesiredGatewayConfig(siteConfigShadowUpdate(config).state.desired, 'site-west-1');
    // Assess
    expect(read).toEqual({ ok: true, config });
  });

  it.each([
    ['another site', { siteId: 'site-south-1' }, 'gatewayConfig.siteId', 'other_site'],
    [
      'a driver it has no adapter for',
      { asicGroups: [{ ...config.asicGroups[0]!, driver: 'avalon' }] },
      'gatewayConfig.asicGroups[0].driver',
      'invalid_value',
    ],
    [
      'a zero unit count',
      { asicGroups: [{ ...config.asicGroups[0]!, unitCount: 0 }] },
      'gatewayConfig.asicGroups[0].unitCount',
      'too_small',
    ],
    ['a version other than the envelope’s', { registryVersion: 5 }, 'gatewayConfig.registryVersion', 'mismatch'],
  ])('refuses %s, naming the field and the rule', (_what, change, field, rule) => {
    // Prepare
    const desired = { registryVersion: 4, gatewayConfig: JSON.stringify({ ...config, ...change }) };
    // Act
    const read = readDesiredGatewayConfig(desired, 'site-west-1');
    // Assess
    expect(read).toMatchObject({ ok: false, registryVersion: 4, issue: { field, rule } });
  });

  it('refuses text that is not JSON and an envelope without a version', () => {
    // Act
    const notJson = readDesiredGatewayConfig({ registryVersion: 4, gatewayConfig: '{"siteId":' }, 'site-west-1');
    const noVersion = readDesiredGatewayConfig({ gatewayConfig: '{}' }, 'site-west-1');
    // Assess
    expect(notJson).toMatchObject({ ok: false, issue: { field: 'gatewayConfig', rule: 'json' } });
    expect(noVersion).toMatchObject({ ok: false, registryVersion: undefined, issue: { field: 'registryVersion' } });
  });
});
