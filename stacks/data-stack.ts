import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { TABLE_KEYS } from '../functions/shared/data/table-design.js';
import { CommandSigningKey } from './constructs/command-signing-key.js';
import { SiteLeaseTable } from './constructs/site-lease-table.js';

/** What makes the platform table global (bin/config.ts `regions`). */
export interface GlobalDataProps {
  /** The table's physical name, the same in every region (the standbys import it by name). */
  readonly tableName: string;
  readonly leaseTableName: string;
  /** Each standby region and the alias of its data key there (stacks/regional-data-stack.ts), for its replica. */
  readonly replicas: readonly { readonly region: string; readonly keyAliasArn: string }[];
  /** The lease table's MRSC witness when there are two regions. */
  readonly leaseWitnessRegion?: string;
}

export interface DataStackProps extends StackProps {
  /** @default a single-region table (no replicas, no lease table) */
  readonly global?: GlobalDataProps;
}

/**
 * The platform's state: one DynamoDB table (single-table design, see functions/shared/data/table-design.ts for the
 * access patterns each key and index serves), encrypted with the platform's own key.
 */
export class DataStack extends Stack {
  readonly table: dynamodb.TableV2;
  readonly key: kms.Key;
  /** Signs the SwitchFlow's commands; its public half goes to every gateway's configuration. */
  readonly commandSigning: CommandSigningKey;
  /** The site leases (multi-region only). */
  readonly leaseTable?: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props?: DataStackProps) {
    super(scope, id, props);
    this.key = new kms.Key(this, 'DataKey', {
      enableKeyRotation: true,
      description: 'HCP data at rest (DynamoDB)',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.commandSigning = new CommandSigningKey(this, 'CommandSigningKey');
    const { partitionKey, sortKey, gsi1, ttlAttribute } = TABLE_KEYS;
    const global = props?.global;
    this.table = new dynamodb.TableV2(this, 'Table', {
      ...(global
        ? {
            tableName: global.tableName,
            // Eventual (last writer wins) replication: fine for everything but the lease, which has its own table.
            replicas: global.replicas.map((r) => ({ region: r.region })),
          }
        : {}),
      partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: sortKey, type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(
        this.key,
        global ? Object.fromEntries(global.replicas.map((r) => [r.region, r.keyAliasArn])) : undefined,
      ),
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
    if (global) {
      this.leaseTable = new SiteLeaseTable(this, 'SiteLeases', {
        tableName: global.leaseTableName,
        replicaRegions: global.replicas.map((r) => r.region),
        ...(global.leaseWitnessRegion ? { witnessRegion: global.leaseWitnessRegion } : {}),
      }).table;
    }
  }
}
