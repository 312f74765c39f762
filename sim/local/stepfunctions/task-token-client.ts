import type { TaskTokenClient, TokenAnswer } from '../../../functions/switching/acks.js';
import type { TaskTokenRegistry } from './index.js';

/** The local platform's callback API: the runner's token registry answers as Step Functions would. */
export class LocalTaskTokenClient implements TaskTokenClient {
  constructor(private readonly registry: TaskTokenRegistry) {}

  async sendSuccess(taskToken: string, output: unknown): Promise<TokenAnswer> {
    return this.registry.sendTaskSuccess(taskToken, output);
  }

  async sendFailure(taskToken: string, error: string, cause: string): Promise<TokenAnswer> {
    return this.registry.sendTaskFailure(taskToken, { error, cause });
  }

  async sendHeartbeat(taskToken: string): Promise<TokenAnswer> {
    return this.registry.sendTaskHeartbeat(taskToken);
  }
}
