import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { CfnTemplate } from '../../../sim/local/stepfunctions/index.js';
import { OptimizeFlow, type OptimizeFlowProps } from '../../../stacks/constructs/optimize-flow.js';
import { SwitchFlow } from '../../../stacks/constructs/switch-flow.js';

/** How long the fixture's SwitchFlow waits for a gateway's acks (the production constructs, shorter waits). */
export interface AckWait {
  /** TaskTimeout of the ack wait: the final ack must come within it. */
  readonly timeoutMs: number;
  /** HeartbeatTimeout: the gateway must say something (a `received` ack) at least this often. */
  readonly heartbeatMs: number;
}

/**
 * For tests whose gateway answers: waits no loaded machine outlasts, so the outcome is the gateway's answer, never a
 * timeout. A test that wants a timeout picks its own short wait (a silent gateway: a short heartbeat).
 */
export const PATIENT_ACK_WAIT: AckWait = { timeoutMs: 60_000, heartbeatMs: 30_000 };
/** The short waits the reliability suite's fault tests were written for (a timeout test takes seconds). */
export const SHORT_ACK_WAIT: AckWait = { timeoutMs: 2_000, heartbeatMs: 1_000 };

/**
 * The control plane's two flows, built by the same constructs the ControlStack uses, synthesized without bundling.
 * Only the ack wait (and the OptimizeFlow's options a test names) differ from production (the constructs expose them).
 */
export function synthesizeControlFlows(
  ackWait: AckWait = SHORT_ACK_WAIT,
  optimize: Omit<OptimizeFlowProps, 'table' | 'switchFlow'> = {},
): CfnTemplate {
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
      signingKey: new kms.Key(stack, 'SigningKey', {
        keySpec: kms.KeySpec.ECC_NIST_P256,
        keyUsage: kms.KeyUsage.SIGN_VERIFY,
      }),
      ackTimeout: Duration.millis(ackWait.timeoutMs),
      ackHeartbeat: Duration.millis(ackWait.heartbeatMs),
    });
    new OptimizeFlow(stack, 'OptimizeFlow', { table, switchFlow: switchFlow.stateMachine, ...optimize });
    return app.synth().getStackByName(stack.stackName).template as CfnTemplate;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
