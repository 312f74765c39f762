import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { CfnTemplate } from '../../../sim/local/stepfunctions/index.js';
import { OptimizeFlow } from '../../../stacks/constructs/optimize-flow.js';
import { SwitchFlow } from '../../../stacks/constructs/switch-flow.js';

/** Timings of the fixture's SwitchFlow: the production constructs with waits short enough for a test. */
export const FIXTURE_ACK_TIMEOUT_MS = 2_000;
export const FIXTURE_ACK_HEARTBEAT_MS = 1_000;

/**
 * The control plane's two flows, built by the same constructs the ControlStack uses, synthesized without bundling.
 * Only the ack wait is shortened (the constructs expose it), so a timeout test takes seconds, not minutes.
 */
export function synthesizeControlFlows(): CfnTemplate {
  const outdir = mkdtempSync(path.join(tmpdir(), 'hcp-control-flows-'));
  try {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'ControlFlowsFixture', { env: { account: '123456789012', region: 'us-east-2' } });
    const table = new dynamodb.TableV2(stack, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    });
    const switchFlow = new SwitchFlow(stack, 'SwitchFlow', {
      table,
      ackTimeout: Duration.millis(FIXTURE_ACK_TIMEOUT_MS),
      ackHeartbeat: Duration.millis(FIXTURE_ACK_HEARTBEAT_MS),
    });
    new OptimizeFlow(stack, 'OptimizeFlow', { table, switchFlow: switchFlow.stateMachine });
    return app.synth().getStackByName(stack.stackName).template as CfnTemplate;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
