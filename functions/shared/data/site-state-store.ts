import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { GatewayState } from '../../../core/api/operations.js';
import { type DeviceLatestState, deviceLatestStateSchema } from '../../../core/operations/devices.js';
import { entityOf, queryAllByPrefix } from './dynamo-helpers.js';
import { TABLE_KEYS } from './table-design.js';

/**
 * What the platform knows of a site's live state, read in one query of its partition (`SITE#<id>`): each gateway's
 * latest telemetry summary (`GATEWAY#<id>`, written by the IoT latest-state rule), each device's latest sample
 * (`DEVICE#<id>`, written by the device telemetry Lambda), the last heartbeat (`HEARTBEAT`) and the switching state
 * (`SWITCH`, written by the SwitchFlow steps).
 */
export interface SiteLiveState {
  readonly gateways: GatewayState[];
  readonly devices: DeviceLatestState[];
  readonly lastHeartbeatAt?: string;
  readonly switching?: Record<string, unknown>;
}

const { partitionKey: PK, sortKey: SK } = TABLE_KEYS;
const isoOf = (ms: unknown) => (typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms).toISOString() : undefined);

export class DynamoSiteStateStore {
  constructor(private readonly deps: { readonly client: DynamoDBDocumentClient; readonly tableName: string }) {}

  async get(siteId: string): Promise<SiteLiveState> {
    const partition = `SITE#${siteId}`;
    const item = (sk: string) =>
      this.deps.client
        .send(new GetCommand({ TableName: this.deps.tableName, Key: { [PK]: partition, [SK]: sk } }))
        .then((r) => (r.Item ? entityOf<Record<string, unknown>>(r.Item) : undefined));
    const [gateways, devices, heartbeat, switchState] = await Promise.all([
      queryAllByPrefix<Record<string, unknown>>(this.deps, partition, 'GATEWAY#'),
      queryAllByPrefix<Record<string, unknown>>(this.deps, partition, 'DEVICE#'),
      item('HEARTBEAT'),
      item('SWITCH'),
    ]);
    const lastHeartbeatAt = isoOf(heartbeat?.receivedAtMs);
    const { siteId: _site, executionName: _exec, ...switching } = switchState ?? {};
    return {
      gateways: gateways.map(gatewayStateOf),
      devices: devices.flatMap(deviceStateOf),
      ...(lastHeartbeatAt ? { lastHeartbeatAt } : {}),
      ...(switchState ? { switching } : {}),
    };
  }
}

/** A stored gateway item as the view shows it; fields the rule could not fill stay absent rather than wrong. */
function gatewayStateOf(item: Record<string, unknown>): GatewayState {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const state = {
    gatewayId: String(item.gatewayId),
    batchSeq: num(item.batchSeq),
    sentAt: typeof item.sentAt === 'string' ? item.sentAt : undefined,
    sitePowerKw: num(item.sitePowerKw),
    droppedBatches: num(item.droppedBatches),
    receivedAt: isoOf(item.receivedAtMs) ?? new Date(0).toISOString(),
  };
  return Object.fromEntries(Object.entries(state).filter(([, v]) => v !== undefined)) as GatewayState;
}

/** A stored device item as the view shows it; one that no longer fits the telemetry contract is left out, not a 500. */
function deviceStateOf({ siteId: _site, ...item }: Record<string, unknown>): DeviceLatestState[] {
  const parsed = deviceLatestStateSchema.safeParse(item);
  return parsed.success ? [parsed.data] : [];
}
