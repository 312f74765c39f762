import { PutRecordBatchCommand, type PutRecordBatchCommandInput } from '@aws-sdk/client-firehose';
import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import type { DeviceMetric } from '../../../core/messages/telemetry.js';
import type { MarketSnapshot } from '../../../core/model/market.js';
import { summarizeSiteTelemetry } from '../../../core/telemetry/site-summary.js';
import { NO_ACCRUAL } from '../../../core/telemetry-history/accrual.js';
import { SITE_SERIES_COLUMNS, siteReadings, siteSeriesRecord } from '../../../core/telemetry-history/records.js';
import {
  FirehoseDeviceSeries,
  FirehoseRowWriter,
  FirehoseSiteSeries,
} from '../../../functions/telemetry/adapters/firehose-rows.js';

/** A stand-in Firehose: records each call's rows, and refuses the rows `refuse` picks (throttling). */
function fakeFirehose(refuse: (row: Record<string, unknown>, call: number) => boolean = () => false) {
  const calls: Array<Array<Record<string, unknown>>> = [];
  const client = {
    send: async (command: PutRecordBatchCommand) => {
      if (!(command instanceof PutRecordBatchCommand)) throw new Error('unexpected command');
      const input = command.input as PutRecordBatchCommandInput;
      const rows = (input.Records ?? []).map((r) => JSON.parse(new TextDecoder().decode(r.Data)));
      calls.push(rows);
      const responses = rows.map((row) =>
        refuse(row, calls.length)
          ? { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' }
          : { RecordId: 'r' },
      );
      return { FailedPutCount: responses.filter((r) => 'ErrorCode' in r).length, RequestResponses: responses };
    },
  };
  return { client, calls };
}

const noPause = async () => {};

describe('FirehoseRowWriter', () => {
  it('sends rows as JSON in calls of at most 500 records', async () => {
    // Prepare
    const { client, calls } = fakeFirehose();
    const writer = new FirehoseRowWriter({ client, streamName: 's', pause: noPause });
    // Act
    await writer.put(Array.from({ length: 1200 }, (_, i) => ({ i })));
    // Assess
    expect(calls.map((c) => c.length)).toEqual([500, 500, 200]);
    expect(calls.flat().map((r) => r.i)).toEqual(Array.from({ length: 1200 }, (_, i) => i));
  });

  it('keeps each call under 4 MiB', async () => {
    const { client, calls } = fakeFirehose();
    const writer = new FirehoseRowWriter({ client, streamName: 's', pause: noPause });
    const big = 'x'.repeat(900 * 1024);
    await writer.put(Array.from({ length: 10 }, () => ({ big })));
    expect(calls.map((c) => c.length)).toEqual([4, 4, 2]);
  });

  it('sends again only the rows Firehose refused', async () => {
    const { client, calls } = fakeFirehose((row, call) => call === 1 && (row.i as number) % 2 === 0);
    const writer = new FirehoseRowWriter({ client, streamName: 's', pause: noPause });
    await writer.put([{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }]);
    expect(calls).toEqual([
      [{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }],
      [{ i: 0 }, { i: 2 }],
    ]);
  });

  it('throws, naming the stream and Firehose’s error, when rows are still refused after the last attempt', async () => {
    const { client, calls } = fakeFirehose((row) => row.i === 1);
    const writer = new FirehoseRowWriter({ client, streamName: 'device-stream', pause: noPause, maxAttempts: 3 });
    await expect(writer.put([{ i: 0 }, { i: 1 }])).rejects.toThrow(
      'Firehose stream device-stream refused 1 of 1 rows after 3 attempts (ServiceUnavailableException)',
    );
    expect(calls).toHaveLength(3);
  });
});

describe('FirehoseDeviceSeries', () => {
  it('writes each sample as a device_series row in its UTC day, and refuses none for its age', async () => {
    // Prepare: a sample 25 h old (a gateway's spool after an outage)
    const { client, calls } = fakeFirehose();
    const series = new FirehoseDeviceSeries(new FirehoseRowWriter({ client, streamName: 's', pause: noPause }));
    const metric: DeviceMetric = {
      deviceId: 'asic-1',
      groupId: 'g1',
      kind: 'asic',
      at: '2026-12-05T23:30:00.000-02:00',
      state: 'hashing',
      powerW: 3250,
      hashrateThs: 200,
    };
    // Act
    const result = await series.write('site-west-1', [metric]);
    // Assess
    expect(result).toEqual({ rejected: 0 });
    expect(calls[0]?.[0]).toMatchObject({
      site: 'site-west-1',
      day: '2026-12-06',
      scenario: 'live',
      at_ms: Date.parse('2026-12-06T01:30:00.000Z'),
      device_id: 'asic-1',
      power_w: 3250,
      hashrate_ths: 200,
      units: 1,
    });
  });
});

describe('the site row (core siteSeriesRecord) and its stream (FirehoseSiteSeries)', () => {
  const west = referenceFleet.sites[0]!;
  const sent = {
    siteId: west.id,
    gatewayId: 'gw-1',
    batchSeq: 7,
    sentAt: '2026-12-06T23:59:59.500-01:00',
    sitePowerKw: 7.1,
    droppedBatches: 0,
    metrics: [
      {
        deviceId: 'a1',
        groupId: west.asicGroups[0]!.id,
        kind: 'asic' as const,
        at: '2026-12-07T00:59:59.000Z',
        state: 'hashing' as const,
        powerW: 3500,
        hashrateThs: 200,
      },
      {
        deviceId: 'a2',
        groupId: west.asicGroups[0]!.id,
        kind: 'asic' as const,
        at: '2026-12-07T00:59:59.000Z',
        state: 'sleeping' as const,
        powerW: 10,
      },
    ],
  };
  const summary = summarizeSiteTelemetry(sent, west);
  const market = { hashprice: { hashpriceUsdPerThDay: 0.05 }, gpuSpotUsdPerGpuHour: 2.2 } as MarketSnapshot;
  const accrual = { money: { miningUsd: 1, inferenceUsd: 2, energyCostUsd: 3 }, hours: 1 / 60 };
  const siteSeriesRow = (m: MarketSnapshot | undefined) =>
    siteSeriesRecord(sent, siteReadings(summary), west, { priceUsdPerMwh: m ? 42 : undefined, market: m }, accrual);

  it('carries every column of site_series, in the batch’s UTC day, with the summary at the meter', () => {
    const row = siteSeriesRow(market);
    expect(Object.keys(row).sort()).toEqual([...Object.keys(SITE_SERIES_COLUMNS), 'site', 'day'].sort());
    expect(row).toMatchObject({
      site: west.id,
      day: '2026-12-07',
      at_ms: Date.parse('2026-12-07T00:59:59.500Z'),
      batch_seq: 7,
      asic_kw: summary.facilityKw.asicKw,
      hashrate_ths: summary.hashrateThs,
      devices_hashing: summary.devicesByState.hashing,
      devices_sleeping: summary.devicesByState.sleeping,
      hashprice_usd_per_th_day: 0.05,
      gpu_spot_usd_per_gpu_hour: 2.2,
    });
  });

  it('carries the site model’s limit and installed GPUs (the utilisation and revenue per GPU need them)', () => {
    const row = siteSeriesRow(market);
    expect(row.limit_kw).toBe(west.interconnectLimitMw * 1000);
    expect(row.installed_gpus).toBe(west.gpuPools.reduce((n, pool) => n + pool.count, 0));
    expect(row.limit_kw).toBeGreaterThan(0);
  });

  it('carries the node price and the accrual it is given; before any market, no prices', () => {
    expect(siteSeriesRow(market)).toMatchObject({
      price_usd_per_mwh: 42,
      accrued_hours: 1 / 60,
      mining_usd: 1,
      inference_usd: 2,
      energy_cost_usd: 3,
    });
    expect(siteSeriesRow(undefined)).toMatchObject({ price_usd_per_mwh: null, hashprice_usd_per_th_day: null });
    expect(
      siteSeriesRecord(sent, siteReadings(summary), west, { priceUsdPerMwh: 42, market }, NO_ACCRUAL),
    ).toMatchObject({ accrued_hours: 0, mining_usd: 0, energy_cost_usd: 0 });
  });

  it('puts the row into the site stream', async () => {
    const { client, calls } = fakeFirehose();
    await new FirehoseSiteSeries(new FirehoseRowWriter({ client, streamName: 's', pause: noPause })).write(
      siteSeriesRow(market),
    );
    expect(calls).toEqual([[siteSeriesRow(market)]]);
  });
});
