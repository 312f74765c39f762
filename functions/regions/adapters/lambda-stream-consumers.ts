import {
  GetEventSourceMappingCommand,
  type LambdaClient,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';

/**
 * A region's table-stream consumers as Lambda event source mappings, switched by UUID. A mapping already in the wanted
 * state (or moving to it: `Enabling`, `Disabling`) is left alone, so the keeper's every-minute run changes nothing
 * until the lease moves. Least privilege: lambda:GetEventSourceMapping and lambda:UpdateEventSourceMapping on these
 * mappings' ARNs only (stacks/constructs/site-lease-keeper.ts).
 */
export class LambdaStreamConsumers {
  constructor(
    private readonly client: Pick<LambdaClient, 'send'>,
    private readonly mappingIds: readonly string[],
  ) {}

  async setEnabled(enabled: boolean): Promise<number> {
    const already = enabled ? ['Enabled', 'Enabling'] : ['Disabled', 'Disabling'];
    let changed = 0;
    for (const UUID of this.mappingIds) {
      const { State } = await this.client.send(new GetEventSourceMappingCommand({ UUID }));
      if (State && already.includes(State)) continue;
      await this.client.send(new UpdateEventSourceMappingCommand({ UUID, Enabled: enabled }));
      changed++;
    }
    return changed;
  }
}
