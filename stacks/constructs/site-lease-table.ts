import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE_KEYS } from '../../functions/shared/data/table-design.js';

export interface SiteLeaseTableProps {
  /** The standby regions: one replica each (the table itself is in the stack's region, the primary). */
  readonly replicaRegions: readonly string[];
  /** MRSC's third vote when there are two replicas (a region of the same MRSC region set). */
  readonly witnessRegion?: string;
  /** The physical name, the same in every region (the standbys' stacks import it by name). */
  readonly tableName: string;
}

/**
 * The site leases of a multi-region deployment (functions/shared/data/site-lease-store.ts): a DynamoDB global table
 * with multi-Region strong consistency (MRSC). Why MRSC and not a table in the primary region: the lease must stay
 * writable when the primary region is the one that failed, which a home-region table is not; with MRSC, two of the
 * three (replica, replica, witness) still agree, so the standby can take an expired lease, and a region cut off from the
 * other two gets errors on every write (it cannot renew, so its lease lapses) instead of a stale success. Global
 * tables' default mode (last writer wins) would let both regions hold the lease at once.
 *
 * Encrypted with DynamoDB's own key: MRSC replicas take no customer-managed key per region here, and the lease holds
 * no customer data (a region name, two counters, an expiry). No TTL: MRSC tables do not support it, and a lease item
 * lives as long as its site.
 */
export class SiteLeaseTable extends Construct {
  readonly table: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: SiteLeaseTableProps) {
    super(scope, id);
    this.table = new dynamodb.TableV2(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      multiRegionConsistency: dynamodb.MultiRegionConsistency.STRONG,
      ...(props.witnessRegion ? { witnessRegion: props.witnessRegion } : {}),
      replicas: props.replicaRegions.map((region) => ({ region })),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
