import { z } from 'zod';
import { type JobCancel, siteJobCancelTopic } from '../../../core/routing/site-messages.js';
import { configGetter } from '../../shared/config.js';
import { createIotDataClient, type IotDataSender, iotDataEndpointSchema, publishJson } from '../../shared/iot-data.js';

/** Where a customer's cancellation of a job already at a site goes: the site's `job-cancels` topic. */
export interface JobCancelPublisher {
  publish(cancel: JobCancel): Promise<void>;
}

/** IoT Core at QoS 1: the site's GpuWorker subscribes to its own topic (the gateway policy allows no other). */
export function iotJobCancels(client: IotDataSender): JobCancelPublisher {
  return { publish: (cancel) => publishJson(client, siteJobCancelTopic(cancel.siteId), cancel, 1) };
}

const config = configGetter(z.object({ IOT_DATA_ENDPOINT: iotDataEndpointSchema }));
let local: JobCancelPublisher | undefined;
let iot: JobCancelPublisher | undefined;

/** The local platform publishes on its broker (as with `useLocalGpuNodeCommands`). Never called in AWS. */
export function useLocalJobCancels(publisher: JobCancelPublisher | undefined): void {
  local = publisher;
}

export function jobCancelPublisher(): JobCancelPublisher {
  if (local) return local;
  iot ??= iotJobCancels(createIotDataClient(config().IOT_DATA_ENDPOINT));
  return iot;
}
