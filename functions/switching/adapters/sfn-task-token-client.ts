import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { TaskTokenClient, TokenAnswer } from '../acks.js';

/** Step Functions' callback API, with its refusals (TaskTimedOut, InvalidToken, ...) returned by name. */
export class SfnTaskTokenClient implements TaskTokenClient {
  constructor(private readonly client: SFNClient) {}

  sendSuccess(taskToken: string, output: unknown): Promise<TokenAnswer> {
    return this.answer(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
  }

  sendFailure(taskToken: string, error: string, cause: string): Promise<TokenAnswer> {
    return this.answer(new SendTaskFailureCommand({ taskToken, error, cause }));
  }

  sendHeartbeat(taskToken: string): Promise<TokenAnswer> {
    return this.answer(new SendTaskHeartbeatCommand({ taskToken }));
  }

  private async answer(
    command: SendTaskSuccessCommand | SendTaskFailureCommand | SendTaskHeartbeatCommand,
  ): Promise<TokenAnswer> {
    try {
      // biome-ignore lint/suspicious/noExplicitAny: the three commands share the client's send overloads.
      await this.client.send(command as any);
      return { ok: true };
    } catch (error) {
      const name = (error as Error).name;
      if (typeof name === 'string' && name !== 'Error') return { ok: false, error: name };
      throw error;
    }
  }
}
