/**
 * The single DynamoDB table's key design, shared by the CDK data stack and the local stand-ins so both build the
 * same table. Every item key starts with its tenant or site scope: nothing is addressable without it.
 *
 * Access patterns:
 * - primary (pk, sk): an entity by id inside its scope, e.g. `TENANT#t1` / `WORKLOAD#w1`, `SITE#s1` / `LOCK`,
 *   `PLAN` / `VERSION#0000000042`; and a scope's items by prefix (`begins_with(sk, 'WORKLOAD#')`).
 *   Platform-wide registries share one partition each, e.g. the model catalog `MODELCATALOG` / `MODEL#org/name#VERSION#v`.
 * - gsi1 (gsi1pk, gsi1sk): a tenant's workloads by status and submission time (`TENANT#t1#STATUS#queued` / ISO time),
 *   and a site's queue of assigned work.
 */
export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  gsi1: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  /** Epoch seconds; DynamoDB deletes the item after it (idempotency records, expired locks). */
  ttlAttribute: 'expiresAtEpochS',
} as const;

/** CreateTable input for a local DynamoDB: the same keys and index as the CDK table, on-demand billing. */
export function localCreateTableInput(tableName: string) {
  const { partitionKey, sortKey, gsi1 } = TABLE_KEYS;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [partitionKey, sortKey, gsi1.partitionKey, gsi1.sortKey].map((name) => ({
      AttributeName: name,
      AttributeType: 'S' as const,
    })),
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' as const },
      { AttributeName: sortKey, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: gsi1.name,
        KeySchema: [
          { AttributeName: gsi1.partitionKey, KeyType: 'HASH' as const },
          { AttributeName: gsi1.sortKey, KeyType: 'RANGE' as const },
        ],
        Projection: { ProjectionType: 'ALL' as const },
      },
    ],
  };
}
