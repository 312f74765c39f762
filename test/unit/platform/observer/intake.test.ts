import { readBrokerMessage } from '../../../../sim/platform/observer/intake.js';

const observesWest = (siteId: string) => siteId === 'site-west-1';
const json = (body: unknown) => JSON.stringify(body);
const price = { kind: 'price', at: '2025-01-13T06:00:00.000Z', node: 'HB_WEST', priceUsdPerMwh: 40 };

describe('observer intake', () => {
  it('reads a market signal for its node, whichever sites are observed', () => {
    // Act
    const intake = readBrokerMessage('hcp/v1/market/HB_WEST/signals', json(price), () => false);

    // Assess
    expect(intake).toMatchObject({ message: { kind: 'signal', to: { marketNode: 'HB_WEST' } } });
  });

  it('reads a grid signal and a heartbeat of an observed site, dropping an empty fallback reason', () => {
    // Act
    const grid = readBrokerMessage('hcp/v1/sites/site-west-1/grid', json(price), observesWest);
    const heartbeat = readBrokerMessage(
      'hcp/v1/sites/site-west-1/heartbeat',
      json({ mode: 'plan', fallbackReason: '' }),
      observesWest,
    );

    // Assess
    expect(grid).toMatchObject({ message: { kind: 'signal', to: { siteId: 'site-west-1' } } });
    expect(heartbeat).toEqual({
      message: { kind: 'heartbeat', siteId: 'site-west-1', heartbeat: { mode: 'plan', heldGroups: [], drifted: 0 } },
    });
  });

  it("reads the site power controller's view from a heartbeat, for the dashboard's meter line", () => {
    // Prepare
    const sitePower = {
      measuredKw: 23_480,
      source: 'meter',
      limitKw: 24_000,
      limitSource: 'interconnect',
      targetKw: 23_520,
      heldDevices: 2,
      heldKw: 752,
      sheds: 2,
      restores: 0,
      minTimeOverrides: 2,
      meterReads: 300,
      meterFailures: { down: 1, stale: 0, garbage: 0 },
      meterAlarm: false,
    };
    // Act
    const intake = readBrokerMessage(
      'hcp/v1/sites/site-west-1/heartbeat',
      json({ mode: 'plan', sitePower }),
      observesWest,
    );
    // Assess
    expect(intake).toMatchObject({
      message: { heartbeat: { sitePower: { measuredKw: 23_480, limitKw: 24_000, heldDevices: 2, meterAlarm: false } } },
    });
  });

  it('rejects a body that is not JSON on any topic, and one against its contract', () => {
    // Assess
    expect(readBrokerMessage('hcp/v1/sites/site-other-9/telemetry', 'not json', observesWest)).toEqual({
      rejected: true,
    });
    expect(readBrokerMessage('hcp/v1/sites/site-west-1/acks', json({ seq: 1 }), observesWest)).toEqual({
      rejected: true,
    });
  });

  it('ignores sites it does not observe and site topics it does not read', () => {
    // Assess
    expect(readBrokerMessage('hcp/v1/sites/site-other-9/telemetry', json({}), observesWest)).toBeUndefined();
    expect(readBrokerMessage('hcp/v1/sites/site-west-1/events', json({}), observesWest)).toBeUndefined();
    expect(readBrokerMessage('somewhere/else', json({}), observesWest)).toBeUndefined();
  });
});
