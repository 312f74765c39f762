import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { PartnerDispatchPort } from '../ports.js';

/**
 * Hands an attempt to the partner-runner Lambda by an asynchronous invocation: Lambda keeps the event and retries it
 * (twice, then its failure destination), and the runner calls the partner only for an attempt it reads queued there.
 */
export function lambdaPartnerDispatch(client: Pick<LambdaClient, 'send'>, functionName: string): PartnerDispatchPort {
  return {
    async dispatch(job) {
      const out = await client.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(JSON.stringify(job)),
        }),
      );
      if (out.StatusCode !== 202) throw new Error(`partner runner not invoked: status ${out.StatusCode}`);
    },
  };
}
