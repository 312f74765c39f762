import { type CfnElement, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { TABLE_KEYS } from '../../functions/shared/data/table-design.js';
import type { HcpFunction } from './hcp-function.js';
import { acknowledge } from './nag.js';

/**
 * Item-level access to the platform table for the control-plane functions, and TABLE_NAME, in one call. Unlike
 * `HcpFunction.bindTable` it names each action and leaves the indexes out (those that query gsi1 add `grantIndexQuery`), so
 * the role holds no wildcard to excuse; the KMS grant is the three calls DynamoDB makes for a customer-managed key.
 */
export const TABLE_ITEM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
] as const;

export function bindTableItems(fn: HcpFunction, table: ITable): HcpFunction {
  grantTableItems(fn.fn, table);
  fn.fn.addEnvironment('TABLE_NAME', table.tableName);
  return fn;
}

/** `actions` narrows the item actions for a function that needs fewer (a writer that only puts). */
export function grantTableItems(
  grantee: lambda.IFunction,
  table: ITable,
  actions: readonly (typeof TABLE_ITEM_ACTIONS)[number][] = TABLE_ITEM_ACTIONS,
): void {
  grantee.addToRolePolicy(new iam.PolicyStatement({ actions: [...actions], resources: [table.tableArn] }));
  if (table.encryptionKey) {
    grantee.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [table.encryptionKey.keyArn],
      }),
    );
  }
}

/** `dynamodb:Query` on the table's gsi1 only: the functions that read the router's job index (table-design.ts). */
export function grantIndexQuery(fn: HcpFunction, table: ITable): void {
  fn.fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:Query'],
      resources: [`${table.tableArn}/index/${TABLE_KEYS.gsi1.name}`],
    }),
  );
}

/**
 * Step Functions' Lambda integration (and Scheduler's) grants `lambda:InvokeFunction` on `<fn>` and `<fn>:*` so that
 * versions and aliases can be invoked; the wildcard is confined to that one function's qualifiers.
 */
export function acknowledgeInvokeQualifiers(role: IConstruct, functions: readonly IConstruct[]): void {
  for (const fn of functions) {
    const cfn = fn.node.defaultChild as CfnElement;
    acknowledge(
      role,
      `AwsSolutions-IAM5[Resource::<${Stack.of(cfn).getLogicalId(cfn)}.Arn>:*]`,
      'Invoke permission covers this one function and its versions/aliases only.',
    );
  }
}
