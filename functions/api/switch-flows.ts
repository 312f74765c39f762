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
  /**
   * Starts the execution `executionName`, or answers the one already started under that name (Step Functions keeps
   * a name for 90 days): a request sent again with its Idempotency-Key starts nothing new.
   */
  start(input: SwitchFlowInput, executionName: string): Promise<{ readonly executionArn: string }>;
}

/** Step Functions' StartExecution on SWITCH_FLOW_ARN (set by the ApiStack on the routes that need it). */
export function stepFunctionsSwitchFlows(client = traced(new SFNClient({}))): SwitchFlowStarter {
  return {
    async start(input, executionName) {
      const { SWITCH_FLOW_ARN } = readConfig(z.object({ SWITCH_FLOW_ARN: z.string().startsWith('arn:') }));
      try {
        const result = await client.send(
          new StartExecutionCommand({
            stateMachineArn: SWITCH_FLOW_ARN,
            name: executionName,
            input: JSON.stringify(input),
          }),
        );
        return { executionArn: result.executionArn ?? '' };
      } catch (error) {
        // Same name and input as a running execution is answered with it; a closed one (or another principal's
        // repeat) is ExecutionAlreadyExists: the name is the request's, so that execution is this request's.
        if ((error as Error).name !== 'ExecutionAlreadyExists') throw error;
        return { executionArn: executionArnOf(SWITCH_FLOW_ARN, executionName) };
      }
    },
  };
}

/** An execution's ARN: the state machine's with `:execution:` for `:stateMachine:` and the name appended. */
export const executionArnOf = (stateMachineArn: string, executionName: string) =>
  `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
