import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Site } from '../../../core/model/site.js';
import { useLocalEvidenceArchive } from '../../../functions/api/grid-events/sources.js';
import { FileEvidenceArchive } from '../../../functions/grid-events/adapters/file-evidence-archive.js';
import { DynamoPlanStore } from '../../../functions/shared/data/plan-store.js';
import { connectMqttPort } from '../../../iot-greengrass/adapters/messaging/mqtt-client.js';
import type { RunningDynamoDbLocal } from '../../local/dynamodb-local.js';
import { startLocalGridEvents } from '../grid-events.js';
import type { LocalMqtt } from '../local-mqtt.js';
import type { PlatformOptions } from '../options.js';
import { LOCAL_TABLE_NAME, localDocumentClient } from './stand-ins.js';
import type { Stops } from './stops.js';

/**
 * Step 9b, M&V: the grid-event recorder and the evidence's telemetry store on the broker (read-only, the observer's
 * identity), and the evidence archive the API writes once: `<--data>/evidence`, or a temporary directory.
 */
export async function startGridEvents(
  o: {
    readonly options: PlatformOptions;
    readonly sites: readonly Site[];
    readonly unitsPerDevice: ReadonlyMap<string, number>;
    readonly dynamo: RunningDynamoDbLocal;
    readonly mqtt: LocalMqtt;
    readonly progress: (line: string) => void;
  },
  stops: Stops,
): Promise<void> {
  const root = o.options.data
    ? path.join(o.options.data, 'evidence')
    : mkdtempSync(path.join(tmpdir(), 'hcp-evidence-'));
  useLocalEvidenceArchive(new FileEvidenceArchive(root));
  stops.push(async () => useLocalEvidenceArchive(undefined));
  const messaging = await connectMqttPort({
    url: o.mqtt.broker.url,
    clientId: 'hcp-observer-grid-events',
    mqtt: o.mqtt.observer,
  });
  stops.push(() => messaging.close());
  const client = localDocumentClient(o.dynamo);
  const plans = new DynamoPlanStore({ client, tableName: LOCAL_TABLE_NAME });
  await startLocalGridEvents({
    client,
    tableName: LOCAL_TABLE_NAME,
    messaging,
    sites: o.sites,
    ladderOf: async (siteId) => (await plans.loadCurrent())?.sites.find((s) => s.siteId === siteId)?.ladder ?? [],
    // Each virtual device stands for `unitsPerDevice` units of the site model: the meter reads the site at full scale.
    meterKw: (batch) =>
      batch.metrics.reduce((kw, m) => kw + (m.powerW * (o.unitsPerDevice.get(m.groupId) ?? 1)) / 1000, 0),
    log: (event, detail) => o.progress(`grid events: ${event} ${JSON.stringify(detail)}`),
  });
}
