import { type GpuNodeCommand, gpuNodeCommandsTopic } from '../../../core/gpu/node-messages.js';
import { type SiteTopicPublisher, siteTopicPublisher } from '../../shared/site-topic-publisher.js';

/** Where an operator's cordon, drain or uncordon goes: the site's `gpu-node-commands` topic. */
export type GpuNodeCommandPublisher = SiteTopicPublisher<GpuNodeCommand>;

const commands = siteTopicPublisher<GpuNodeCommand>((command) => gpuNodeCommandsTopic(command.siteId));
export const useLocalGpuNodeCommands = commands.useLocal;
export const gpuNodeCommandPublisher = commands.publisher;
