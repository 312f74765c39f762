import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import type { SwitchFlowInput } from '../../core/switching/command.js';
import { readConfig } from '../shared/config.js';
import { traced } from '../shared/powertools.js';

/**
 * Starts a SwitchFlow: the one way anything but the optimizer moves a site, so an operator's override takes the same
 * lock, waits for the same ack and ends in the same compensation as a planned switch.
 */
export interface SwitchFlowStarter {
  start(input: SwitchFlowInput, executionName: string): Promise<{ readonly executionArn: string }>;
}

/** Step Functions' StartExecution on SWITCH_FLOW_ARN (set by the ApiStack on the routes that need it). */
export function stepFunctionsSwitchFlows(client = traced(new SFNClient({}))): SwitchFlowStarter {
  return {
    async start(input, executionName) {
      const { SWITCH_FLOW_ARN } = readConfig(z.object({ SWITCH_FLOW_ARN: z.string().startsWith('arn:') }));
      const result = await client.send(
        new StartExecutionCommand({
          stateMachineArn: SWITCH_FLOW_ARN,
          name: executionName,
          input: JSON.stringify(input),
        }),
      );
      return { executionArn: result.executionArn ?? '' };
    },
  };
}
