import { Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { acknowledgeAwsCustomResourceFunction } from './constructs/nag.js';

export interface ReplicaViewStackProps extends StackProps {
  readonly tableName: string;
  readonly leaseTableName: string;
  /** This region's replica key (stacks/standby-data-stack.ts). */
  readonly key: kms.IKey;
}

/**
 * A standby region's view of the global tables, deployed after the primary's data stack created the replicas: the
 * tables by name (the same in every region), and the replica's own stream, which only DynamoDB knows once the replica
 * exists (DescribeTable at deploy time): the audit chainer and workload router of this region read it.
 */
export class ReplicaViewStack extends Stack {
  readonly table: dynamodb.ITableV2;
  readonly leaseTable: dynamodb.ITableV2;

  constructor(scope: Construct, id: string, props: ReplicaViewStackProps) {
    super(scope, id, props);
    const tableArn = this.formatArn({ service: 'dynamodb', resource: 'table', resourceName: props.tableName });
    const describe = new cr.AwsCustomResource(this, 'ReplicaStream', {
      onUpdate: {
        service: 'DynamoDB',
        action: 'describeTable',
        parameters: { TableName: props.tableName },
        physicalResourceId: cr.PhysicalResourceId.of(`${props.tableName}-stream`),
        outputPaths: ['Table.LatestStreamArn'],
      },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [tableArn] }),
      installLatestAwsSdk: false,
    });
    acknowledgeAwsCustomResourceFunction(this);
    this.table = dynamodb.TableV2.fromTableAttributes(this, 'Table', {
      tableArn,
      tableStreamArn: describe.getResponseField('Table.LatestStreamArn'),
      encryptionKey: props.key,
      grantIndexPermissions: true,
    });
    this.leaseTable = dynamodb.TableV2.fromTableName(this, 'LeaseTable', props.leaseTableName);
  }
}
