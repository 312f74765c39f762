import { z } from 'zod';
import { type GpuNodeCommand, gpuNodeCommandsTopic } from '../../../core/gpu/node-messages.js';
import { configGetter } from '../../shared/config.js';
import { createIotDataClient, type IotDataSender, iotDataEndpointSchema, publishJson } from '../../shared/iot-data.js';

/** Where an operator's cordon, drain or uncordon goes: the site's `gpu-node-commands` topic. */
export interface GpuNodeCommandPublisher {
  publish(command: GpuNodeCommand): Promise<void>;
}

/** IoT Core at QoS 1: the site's GpuWorker subscribes to its own topic (the gateway policy allows no other). */
export function iotGpuNodeCommands(client: IotDataSender): GpuNodeCommandPublisher {
  return { publish: (command) => publishJson(client, gpuNodeCommandsTopic(command.siteId), command, 1) };
}

const config = configGetter(z.object({ IOT_DATA_ENDPOINT: iotDataEndpointSchema }));
let local: GpuNodeCommandPublisher | undefined;
let iot: GpuNodeCommandPublisher | undefined;

/**
 * The local platform publishes on its broker: it hands its publisher here, as it hands its SwitchFlow runner to
 * `useLocalSwitchFlows`. Never called in AWS.
 */
export function useLocalGpuNodeCommands(publisher: GpuNodeCommandPublisher | undefined): void {
  local = publisher;
}

export function gpuNodeCommandPublisher(): GpuNodeCommandPublisher {
  if (local) return local;
  iot ??= iotGpuNodeCommands(createIotDataClient(config().IOT_DATA_ENDPOINT));
  return iot;
}
