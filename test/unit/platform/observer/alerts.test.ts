import { referenceFleet } from '../../../../core/fleet/reference-fleet.js';
import { alertsOf, groupAlerts } from '../../../../sim/platform/observer/alerts.js';
import type { SwitchRecord } from '../../../../sim/platform/observer/event-log.js';
import { SiteView } from '../../../../sim/platform/observer/site-view.js';

const [west, south] = referenceFleet.sites as [(typeof referenceFleet.sites)[0], (typeof referenceFleet.sites)[0]];
const clock = { nowRealMs: 60_000, startedRealMs: 0, telemetryStaleRealMs: 10_000 };
const failed = (i: number, outcome = 'failed'): SwitchRecord => ({
  at: `2025-01-13T06:00:${String(i).padStart(2, '0')}.000Z`,
  siteId: west.id,
  source: 'cloud',
  cause: `plan ${i}`,
  outcome,
});

describe('observer alerts', () => {
  it('raises missing telemetry for a site silent since start, and not for one heard recently', () => {
    // Prepare
    const silent = new SiteView(west, new Map(), 10);
    const heard = new SiteView(south, new Map(), 10);
    heard.lastTelemetryRealMs = 55_000;

    // Act
    const alerts = alertsOf([silent, heard], [], clock);

    // Assess
    expect(alerts).toEqual([{ siteId: west.id, kind: 'missing-telemetry', message: 'no telemetry for 60 s' }]);
  });

  it('takes the higher drifted count of telemetry and heartbeat, and reports the fallback reason', () => {
    // Prepare
    const view = new SiteView(west, new Map(), 10);
    view.lastTelemetryRealMs = clock.nowRealMs;
    view.onHeartbeat({ mode: 'all-on', heldGroups: [], fallbackReason: 'cloud silent', drifted: 3 });

    // Act
    const alerts = alertsOf([view], [], clock);

    // Assess
    expect(alerts.map((a) => a.message)).toEqual([
      '3 devices not in their commanded state',
      'gateway in all-on: cloud silent',
    ]);
  });

  it('lists failed, rejected and expired switches among the latest 20 only', () => {
    // Prepare: an old failure pushed out by 20 later switches, of which two went wrong.
    const switches = [
      failed(0),
      ...Array.from({ length: 18 }, (_, i) => failed(i + 1, 'executed')),
      failed(19, 'expired'),
      failed(20, 'rejected'),
    ];

    // Act
    const alerts = alertsOf([], switches, clock);

    // Assess
    expect(alerts.map((a) => a.message)).toEqual([
      'cloud plan 19 expired at 2025-01-13T06:00:19.000Z',
      'cloud plan 20 rejected at 2025-01-13T06:00:20.000Z',
    ]);
  });
});

describe('alert groups', () => {
  it('groups by site and kind with a count, the newest alert first and current conditions before past events', () => {
    // Prepare: three refused commands at west, one at south, and west's gateway drifted now.
    const view = new SiteView(west, new Map(), 10);
    view.lastTelemetryRealMs = clock.nowRealMs;
    view.onHeartbeat({ mode: 'all-on', heldGroups: [], drifted: 2 });
    const switches = [failed(1, 'rejected'), { ...failed(2), siteId: south.id }, failed(3), failed(4, 'expired')];

    // Act
    const groups = groupAlerts(alertsOf([view], switches, clock));

    // Assess
    expect(groups.map((g) => [g.siteId, g.kind, g.count, g.at])).toEqual([
      [west.id, 'drifted-devices', 1, undefined],
      [west.id, 'failed-switch', 3, '2025-01-13T06:00:04.000Z'],
      [south.id, 'failed-switch', 1, '2025-01-13T06:00:02.000Z'],
    ]);
    expect(groups[1]!.message).toBe('cloud plan 4 expired at 2025-01-13T06:00:04.000Z');
  });
});
