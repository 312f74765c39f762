/** Stand-in partition, region and account for the ARNs local code builds; nothing local checks them. */
export const PLACEHOLDER_AWS = {
  partition: 'aws',
  region: 'us-east-1',
  accountId: '123456789012',
  urlSuffix: 'amazonaws.com',
} as const;
