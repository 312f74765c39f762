import { switchAgentConfigSchema } from '../src/config.js';
import { onSiteMeter } from '../src/site-meter.js';

const config = (extra: Record<string, unknown> = {}) => switchAgentConfigSchema.parse({ siteId: 'site-1', ...extra });

describe('the SwitchAgent’s revenue meter on a site configuration', () => {
  it('reads the meter the site configuration names (Modbus TCP 502 unless the address says), with controller defaults', () => {
    // Act
    const onSite = onSiteMeter(config(), { address: '10.0.0.5', unitId: 3 });

    // Assess
    expect(onSite.meter).toEqual({ host: '10.0.0.5', port: 502, unitId: 3, timeoutMs: 500 });
    expect(onSite.config.sitePower?.periodMs).toBe(1_000);
  });

  it('keeps the recipe’s controller tuning and takes only the meter from the site', () => {
    // Act
    const onSite = onSiteMeter(config({ sitePower: { periodMs: 250, meterTimeoutMs: 2_000 } }), {
      address: '10.0.0.5:1502',
      unitId: 1,
    });

    // Assess
    expect(onSite.meter).toEqual({ host: '10.0.0.5', port: 1502, unitId: 1, timeoutMs: 2_000 });
    expect(onSite.config.sitePower?.periodMs).toBe(250);
  });

  it('runs no controller for a site without a meter, unless the agent was handed one directly', () => {
    // Act
    const none = onSiteMeter(config(), undefined);
    const direct = onSiteMeter(config({ sitePower: { meter: { host: '127.0.0.1', port: 5020 } } }), undefined);

    // Assess
    expect(none).toEqual({ config: config() });
    expect(direct.meter).toMatchObject({ host: '127.0.0.1', port: 5020 });
  });
});
