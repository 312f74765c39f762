import { Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

const LOGS_KEY_ID = 'LogsKey';

/**
 * The stack's one customer-managed key for CloudWatch Logs (NIST 800-53 AU-9, SC-28: audit records encrypted at rest
 * under a key the account controls and can revoke). One key per stack, not per log group: a key costs the same
 * whatever it encrypts, and the key policy already limits it to this account's log groups in this region.
 */
export function logsKeyOf(scope: Construct): kms.Key {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(LOGS_KEY_ID);
  if (existing) return existing as kms.Key;
  const key = new kms.Key(stack, LOGS_KEY_ID, {
    description: `${stack.stackName}: encrypts its CloudWatch Logs log groups`,
    enableKeyRotation: true,
    // Logs encrypted under it stay readable for as long as their retention asks, even after the stack is gone.
    removalPolicy: RemovalPolicy.RETAIN,
  });
  // CloudWatch Logs uses the key on behalf of log groups of this account and region only (CloudWatch Logs user
  // guide, "Encrypt log data in CloudWatch Logs using AWS KMS").
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
        },
      },
    }),
  );
  return key;
}

/** A log group encrypted with the stack's logs key (see `logsKeyOf`); every log group of the platform is one. */
export function encryptedLogGroup(
  scope: Construct,
  id: string,
  props: Omit<logs.LogGroupProps, 'encryptionKey'> = {},
): logs.LogGroup {
  return new logs.LogGroup(scope, id, { ...props, encryptionKey: logsKeyOf(scope) });
}
