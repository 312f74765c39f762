import {
  type _Record,
  MeasureValueType,
  RejectedRecordsException,
  type TimestreamWriteClient,
  WriteRecordsCommand,
} from '@aws-sdk/client-timestream-write';
import type { DeviceMetric } from '../../../core/messages/telemetry.js';
import type { DeviceSeriesWriter } from '../ports.js';

/** Timestream takes at most 100 records per WriteRecords call. */
const RECORDS_PER_WRITE = 100;

/** One multi-measure record per device sample, dimensioned by site, device, group and kind. */
export function toRecord(siteId: string, metric: DeviceMetric): _Record {
  const measures: Array<[string, number | undefined]> = [
    ['powerW', metric.powerW],
    ['hashrateThs', metric.hashrateThs],
    ['utilizationPct', metric.utilizationPct],
    ['temperatureC', metric.temperatureC],
    ['memoryUsedMb', metric.memoryUsedMb],
  ];
  return {
    Dimensions: [
      { Name: 'siteId', Value: siteId },
      { Name: 'deviceId', Value: metric.deviceId },
      { Name: 'groupId', Value: metric.groupId },
      { Name: 'kind', Value: metric.kind },
    ],
    MeasureName: 'device',
    MeasureValueType: MeasureValueType.MULTI,
    MeasureValues: [
      { Name: 'state', Value: metric.state, Type: MeasureValueType.VARCHAR },
      ...measures
        .filter((m): m is [string, number] => m[1] !== undefined)
        .map(([Name, value]) => ({ Name, Value: String(value), Type: MeasureValueType.DOUBLE })),
    ],
    Time: String(Date.parse(metric.at)),
    TimeUnit: 'MILLISECONDS',
  };
}

export class TimestreamDeviceSeries implements DeviceSeriesWriter {
  constructor(
    private readonly deps: {
      readonly client: TimestreamWriteClient;
      readonly databaseName: string;
      readonly tableName: string;
    },
  ) {}

  async write(siteId: string, metrics: readonly DeviceMetric[]): Promise<{ rejected: number }> {
    const { client, databaseName, tableName } = this.deps;
    let rejected = 0;
    for (let i = 0; i < metrics.length; i += RECORDS_PER_WRITE) {
      const Records = metrics.slice(i, i + RECORDS_PER_WRITE).map((metric) => toRecord(siteId, metric));
      try {
        await client.send(new WriteRecordsCommand({ DatabaseName: databaseName, TableName: tableName, Records }));
      } catch (error) {
        // Timestream writes the acceptable records of a call and names the others (too old, duplicates).
        if (!(error instanceof RejectedRecordsException)) throw error;
        rejected += error.RejectedRecords?.length ?? Records.length;
      }
    }
    return { rejected };
  }
}
