import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { TABLE_KEYS } from '../functions/shared/data/table-design.js';
import { CommandSigningKey } from './constructs/command-signing-key.js';

/**
 * The platform's state: one DynamoDB table (single-table design, see functions/shared/data/table-design.ts for the
 * access patterns each key and index serves), encrypted with the platform's own key.
 */
export class DataStack extends Stack {
  readonly table: dynamodb.TableV2;
  readonly key: kms.Key;
  /** Signs the SwitchFlow's commands; its public half goes to every gateway's configuration. */
  readonly commandSigning: CommandSigningKey;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.key = new kms.Key(this, 'DataKey', {
      enableKeyRotation: true,
      description: 'HCP data at rest (DynamoDB)',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.commandSigning = new CommandSigningKey(this, 'CommandSigningKey');
    const { partitionKey, sortKey, gsi1, ttlAttribute } = TABLE_KEYS;
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: sortKey, type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(this.key),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      timeToLiveAttribute: ttlAttribute,
      // Wakes the workload router when a job waits to be routed (stacks/constructs/workload-routing.ts).
      dynamoStream: dynamodb.StreamViewType.NEW_IMAGE,
      removalPolicy: RemovalPolicy.RETAIN,
      globalSecondaryIndexes: [
        {
          // A tenant's workloads by status and time; a site's queue of assigned work.
          indexName: gsi1.name,
          partitionKey: { name: gsi1.partitionKey, type: dynamodb.AttributeType.STRING },
          sortKey: { name: gsi1.sortKey, type: dynamodb.AttributeType.STRING },
        },
      ],
    });
  }
}
