import { FirehoseClient } from '@aws-sdk/client-firehose';
import { z } from 'zod';
import { configGetter } from '../shared/config.js';
import { traced } from '../shared/powertools.js';
import { taskHandler } from '../shared/task-handler.js';
import { FirehoseRowWriter } from './adapters/firehose-rows.js';
import { recordSwitchEvent, type SwitchEventDeps } from './switch-events.js';

const config = configGetter(
  z.object({
    /** The Iceberg sink's `fleet_events` stream (stacks/constructs/switch-telemetry.ts). */
    TELEMETRY_EVENTS_STREAM: z.string().min(1),
  }),
);

let deps: SwitchEventDeps | undefined;

function runtime(): SwitchEventDeps {
  deps ??= {
    events: new FirehoseRowWriter({
      client: traced(new FirehoseClient({})),
      streamName: config().TELEMETRY_EVENTS_STREAM,
    }),
  };
  return deps;
}

/** Target of the IoT rules on acks and `local-switch` events (async; failures go to its DLQ). */
export const handler = taskHandler(async (event: unknown) => recordSwitchEvent(event, runtime()));
