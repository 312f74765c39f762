import { readdirSync } from 'node:fs';
import path from 'node:path';
import { connectAsync } from 'mqtt';
import type { TelemetryBatch } from '../../../core/messages/telemetry.js';
import { siteTopic } from '../../../core/messages/topics.js';
import { dayOf } from '../../../core/telemetry-history/records.js';
import { platformOptions } from '../../../sim/platform/options.js';
import { type RunningPlatform, startPlatform } from '../../../sim/platform/start-platform.js';
import { until } from '../../support/until.js';

/**
 * #27's done-when on the local platform: it runs for simulated hours, then the history API (over the Parquet store
 * the recorder wrote) answers series and KPIs that agree with the observer's live figures over the same window; and a
 * batch a gateway spooled 25 hours ago, published on the broker now, reaches the store in its own day.
 */

const SPEED = 240;
const SIM_HOURS = 2;
const HOUR_MS = 3_600_000;
const SITES = ['site-west-1', 'site-south-1'] as const;

let platform: RunningPlatform;
let startedSimMs: number;

beforeAll(async () => {
  platform = await startPlatform(
    platformOptions({
      port: 0,
      seed: 7,
      speed: SPEED,
      sites: 2,
      asicsPerSite: 8,
      gpuNodesPerSite: 1,
      workloadsPerHour: 0,
    }),
  );
  startedSimMs = platform.clock.nowMs();
  // Start-up on a loaded 2-core machine can take minutes (the e2e keeps its own limit too).
}, 300_000);

afterAll(() => platform?.stop());

async function operatorGet(path: string) {
  const response = await fetch(`${platform.endpoints.api}${path}`, {
    headers: { 'x-api-key': platform.demo.operatorApiKey },
  });
  return { status: response.status, body: (await response.json()) as any };
}

const minuteFloor = (ms: number) => Math.floor(ms / 60_000) * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('telemetry history on the local platform', () => {
  it('answers, after simulated hours, the series and KPIs the observer showed live over the same window', async () => {
    // Prepare: simulated hours of the platform, then the observer's figures and the store's records taken in one
    // tick (flush takes the buffered records synchronously), so both cover exactly the same batches.
    await until(`${SIM_HOURS} simulated hours`, () => platform.clock.nowMs() >= startedSimMs + SIM_HOURS * HOUR_MS, {
      timeoutMs: 110_000,
      pollMs: 250,
    });
    // The cut: from the snapshot on, the store takes no more records (the platform keeps running), so the API's
    // answers cover exactly the batches the snapshot does.
    const { store } = platform.history;
    const append = store.append;
    // A copy: the snapshot's series are the observer's live arrays, which keep growing while the API answers.
    const live = structuredClone(platform.observer.snapshot());
    store.append = () => {};
    await store.flush();
    // The window of every chart point of both sites. A gateway's spool replays batches out of order when the cloud's
    // acks lag (a loaded machine), so the points are not in time order: the window spans the earliest to the latest.
    const times = live.sites.flatMap((s) => s.series.t.map(Number));
    const from = Math.min(...times);
    const to = Math.max(...times) + 1;
    const window = `from=${iso(from)}&to=${iso(to)}&step=${Math.max(60, Math.ceil((to - from) / 1000))}`;

    // Act
    const perSite = await Promise.all(
      SITES.map(async (siteId) => ({
        view: live.sites.find((s) => s.id === siteId)!,
        money: await operatorGet(`/v1/sites/${siteId}/telemetry?${window}&metric=money`),
        power: await operatorGet(`/v1/sites/${siteId}/telemetry?${window}&metric=power`),
      })),
    );
    const kpis = await operatorGet(`/v1/fleet/kpis?${window}`);
    store.append = append;

    // Assess: per site, the money the observer accrued since its first batch.
    for (const { view, money, power } of perSite) {
      expect(view.series.t.length).toBeGreaterThan(10);
      expect(money.status).toBe(200);
      const [stored] = money.body.points;
      expect(stored.miningUsd).toBeCloseTo(view.money.miningUsd, 6);
      expect(stored.inferenceUsd).toBeCloseTo(view.money.inferenceUsd, 6);
      expect(stored.energyCostUsd).toBeCloseTo(view.money.energyCostUsd, 6);
      // Something accrued (energy at least: a loaded machine's late batches may hold the miners asleep).
      expect(view.money.miningUsd + view.money.energyCostUsd).toBeGreaterThan(0);
      // A batch a spool re-sent (its ack late under load) is stored again, and the chart keeps a repeat that does not
      // follow its original as a second point at the same instant: both count each batch, by its instant, once.
      const [averaged] = power.body.points;
      const chartKwByInstant = new Map(
        view.series.t.map((t, i) => [t, view.series.asicKw[i]! + view.series.gpuKw[i]!]),
      );
      const chartMeanKw = [...chartKwByInstant.values()].reduce((a, b) => a + b, 0) / chartKwByInstant.size;
      expect(averaged.samples).toBe(chartKwByInstant.size);
      expect(averaged.siteKw).toBeCloseTo(chartMeanKw, 6);
      expect(averaged.limitKw).toBeCloseTo(view.capKw, 6);
    }
    // The fleet: site power used over available, from every chart point of both sites.
    expect(kpis.status).toBe(200);
    expect(kpis.body.window.powerUtilisation).toBeGreaterThan(0);
    // Heartbeats and probes are stored too (how many arrive in time depends on the machine's load, not asserted).
    expect(kpis.body.window.gatewayUptime).toBeGreaterThan(0);
    expect(kpis.body.window.apiUptime).toBeGreaterThan(0);
    expect(kpis.body.window.apiP50Ms).toBeGreaterThan(0);
  }, 200_000);

  it('stores a batch spooled 25 hours ago, published by the site’s gateway now, in its own day', async () => {
    // Prepare: the site's gateway identity on the broker, and a batch sent 25 simulated hours ago.
    const siteId = SITES[0];
    const tls = platform.mqttIdentities.gatewayTls(siteId)!;
    const client = await connectAsync(platform.endpoints.mqtt, {
      ...tls,
      clientId: `${siteId}#spool-replay`,
      reconnectPeriod: 0,
    });
    const sentMs = platform.clock.nowMs() - 25 * HOUR_MS;
    const batch: TelemetryBatch = {
      siteId,
      gatewayId: `${siteId}-gw`,
      batchSeq: 1,
      sentAt: iso(sentMs),
      sitePowerKw: 3.5,
      metrics: [
        {
          deviceId: 'spooled-miner-1',
          groupId: 'west-s21-a',
          kind: 'asic',
          at: iso(sentMs),
          state: 'hashing',
          powerW: 3_500,
          hashrateThs: 200,
        },
      ],
      droppedBatches: 0,
    };

    // Act
    await client.publishAsync(siteTopic(siteId, 'telemetry'), JSON.stringify(batch), { qos: 1 });
    await client.endAsync();
    const from = minuteFloor(sentMs);
    const states = await until('the spooled batch in the store', async () => {
      await platform.history.store.flush();
      const answer = await operatorGet(
        `/v1/sites/${siteId}/telemetry?from=${iso(from)}&to=${iso(from + 60_000)}&step=60&metric=group-states`,
      );
      return answer.body.points?.length > 0 ? answer.body.points : undefined;
    });

    // Assess
    expect(states).toEqual([{ at: iso(from), groupId: 'west-s21-a', state: 'hashing', units: expect.any(Number) }]);
    const partition = path.join(platform.history.store.root, 'device_series', `site=${siteId}`, `day=${dayOf(sentMs)}`);
    expect(readdirSync(partition).some((file) => file.endsWith('.parquet'))).toBe(true);
  });
});
