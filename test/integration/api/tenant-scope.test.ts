import { STSClient } from '@aws-sdk/client-sts';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { stsAssumeTenantRole, stsTenantTableClients } from '../../../functions/shared/data/sts-tenant-clients.js';
import { scopedClient, TENANT_SCOPE_TAGS, type TenantScope } from '../../../functions/shared/data/tenant-scope.js';
import { DynamoWebhookStore } from '../../../functions/shared/data/webhook-store.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../sim/local/dynamodb-local.js';
import { type StsStandIn, startStsStandIn } from '../../../sim/local/sts-stand-in.js';
import { synthesizedApp } from '../../infra/app-fixture.js';
import { dynamoIamRequests, iamAllows } from '../../support/iam-policy.js';
import { type LocalTable, startLocalTable } from '../../support/local-table.js';
import { TEST_TABLE, tenantDataStatements } from '../../support/tenant-data-policy.js';

/**
 * A tenant-A-scoped client against DynamoDB Local (#23 item 5). DynamoDB Local does not evaluate IAM, so each request
 * is judged twice: by the local guard on the real DynamoDB Local, and by the IAM evaluator on the synthesized
 * tenant-data policy with A's session tags. Both must give the expected verdict.
 */
const TABLE = 'hcp-tenant-scope-test';
const A: TenantScope = { tenantId: 'acme', auditChain: 'acme' };
let table: LocalTable;
let sts: StsStandIn;
const statements = tenantDataStatements(synthesizedApp().stacks);

const item = (pk: string, sk: string, extra: Record<string, unknown> = {}) => ({ pk, sk, ...extra });

beforeAll(async () => {
  table = await startLocalTable(TABLE);
  sts = await startStsStandIn();
  const seed = [
    item('TENANT#acme', 'PROFILE', { name: 'Acme' }),
    item('TENANT#acme', 'WORKLOAD#w1', { status: 'queued' }),
    item('TENANT#acme', 'WEBHOOK', { url: 'https://acme.example/h', secret: 'whsec_acme' }),
    item('TENANT#bolt', 'PROFILE', { name: 'Bolt' }),
    item('TENANT#bolt', 'WORKLOAD#w9', { status: 'queued', gsi1pk: 'TENANT#bolt#STATUS#queued', gsi1sk: 'x' }),
    item('TENANT#bolt', 'WEBHOOK', { tenantId: 'bolt', url: 'https://bolt.example/h', secret: 'whsec_bolt' }),
    item('TENANT#acme2', 'PROFILE', { name: 'Acme Two' }),
    item('AUDIT#bolt#3', 'HEAD', { seq: 1 }),
    item('APIKEYHASH#abc', 'LOOKUP', { tenantId: 'bolt', role: 'customer-admin' }),
  ];
  for (const Item of seed) await table.client.send(new PutCommand({ TableName: TABLE, Item }));
});

afterAll(async () => {
  await sts?.stop();
  await table?.stop();
});

type Command = { readonly input: object; readonly constructor: { readonly name: string } };
const key = (pk: string, sk: string) => ({ TableName: TABLE, Key: { pk, sk } });
const query = (pk: string, index?: string) =>
  new QueryCommand({
    TableName: TABLE,
    ...(index ? { IndexName: index } : {}),
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': index ? 'gsi1pk' : 'pk' },
    ExpressionAttributeValues: { ':pk': pk },
  });

const CASES: [string, Command, boolean][] = [
  ['reads its own workload', new GetCommand(key('TENANT#acme', 'WORKLOAD#w1')), true],
  ['reads its own webhook secret', new GetCommand(key('TENANT#acme', 'WEBHOOK')), true],
  ['lists its own partition', query('TENANT#acme'), true],
  ['queries its own status index partition', query('TENANT#acme#STATUS#queued', 'gsi1'), true],
  ['writes its own audit shard', new PutCommand({ TableName: TABLE, Item: item('AUDIT#acme#2', 'OUTBOX#1') }), true],
  ['reads tenant B’s workload', new GetCommand(key('TENANT#bolt', 'WORKLOAD#w9')), false],
  ['reads tenant B’s webhook secret', new GetCommand(key('TENANT#bolt', 'WEBHOOK')), false],
  ['lists tenant B’s partition', query('TENANT#bolt'), false],
  ['queries tenant B’s status index partition', query('TENANT#bolt#STATUS#queued', 'gsi1'), false],
  ['reads a tenant whose id starts with its own', new GetCommand(key('TENANT#acme2', 'PROFILE')), false],
  ['reads tenant B’s audit shard', new GetCommand(key('AUDIT#bolt#3', 'HEAD')), false],
  ['reads an API key lookup item', new GetCommand(key('APIKEYHASH#abc', 'LOOKUP')), false],
  ['scans the table', new ScanCommand({ TableName: TABLE }), false],
  [
    'writes its own item and tenant B’s in one transaction',
    new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: TABLE, Item: item('TENANT#acme', 'NOTE#1') } },
        {
          Update: {
            ...key('TENANT#bolt', 'PROFILE'),
            UpdateExpression: 'SET #n = :n',
            ExpressionAttributeNames: { '#n': 'name' },
            ExpressionAttributeValues: { ':n': 'pwned' },
          },
        },
      ],
    }),
    false,
  ],
];

/** The guard's verdict on the real DynamoDB Local: sent (true) or refused as AccessDeniedException (false). */
async function guardVerdict(client: DynamoDBDocumentClient, command: Command): Promise<boolean> {
  try {
    await client.send(command as never);
    return true;
  } catch (error) {
    if ((error as Error).name === 'AccessDeniedException') return false;
    throw error;
  }
}

const iamVerdict = (command: Command, scope: TenantScope) =>
  dynamoIamRequests(command, TEST_TABLE.arn).every((r) =>
    iamAllows(statements, {
      action: r.action,
      resource: r.resource,
      context: { 'dynamodb:LeadingKeys': r.leadingKeys },
      principalTags: { [TENANT_SCOPE_TAGS.tenantId]: scope.tenantId, [TENANT_SCOPE_TAGS.auditChain]: scope.auditChain },
    }),
  );

describe('a tenant-A-scoped table client (#23 item 5)', () => {
  it.each(CASES)(
    '%s: the guard on DynamoDB Local and the synthesized IAM policy agree',
    async (_name, command, allowed) => {
      // Prepare
      const client = scopedClient(table.client, A);

      // Act
      const guard = await guardVerdict(client, command);

      // Assess
      expect({ guard, iam: iamVerdict(command, A) }).toEqual({ guard: allowed, iam: allowed });
    },
  );

  it('leaves tenant B’s items as they were after the refused requests', async () => {
    // Act
    const { Item: profile } = await table.client.send(new GetCommand(key('TENANT#bolt', 'PROFILE')));
    const { Item: note } = await table.client.send(new GetCommand(key('TENANT#acme', 'NOTE#1')));

    // Assess: the refused transaction wrote neither of its items.
    expect(profile?.name).toBe('Bolt');
    expect(note).toBeUndefined();
  });

  it('keeps the webhook store of a tenant-A session from tenant B’s secret', async () => {
    // Prepare
    const store = new DynamoWebhookStore({ client: scopedClient(table.client, A), tableName: TABLE });

    // Act / Assess
    await expect(store.get('bolt')).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(store.get('acme')).resolves.toMatchObject({ secret: 'whsec_acme' });
  });

  it('assumes the tenant-data role over STS with the scope as session tags, once per tenant while the session lasts', async () => {
    // Prepare
    const roleArn = 'arn:aws:iam::111122223333:role/tenant-data';
    const stsClient = new STSClient({ endpoint: sts.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const clients = stsTenantTableClients({
      roleArn,
      assume: stsAssumeTenantRole(stsClient, roleArn),
      clientConfig: { endpoint: table.endpoint, region: LOCAL_REGION },
    });

    // Act
    const reads = [];
    for (let i = 0; i < 10; i += 1) {
      const client = await clients.forScope(A);
      reads.push(await client.send(new GetCommand(key('TENANT#acme', 'WORKLOAD#w1'))));
    }
    const forB = await clients.forScope({ tenantId: 'bolt', auditChain: 'platform' });
    const refused = await guardVerdict(await clients.forScope(A), new GetCommand(key('TENANT#bolt', 'WEBHOOK')));

    // Assess
    expect(reads.every((r) => r.Item?.status === 'queued')).toBe(true);
    expect(refused).toBe(false);
    expect(forB).toBeDefined();
    expect(sts.calls).toEqual([
      { roleArn, sessionName: 'tenant-acme', durationS: 3600, tags: { tenantId: 'acme', auditChain: 'acme' } },
      { roleArn, sessionName: 'tenant-bolt', durationS: 3600, tags: { tenantId: 'bolt', auditChain: 'platform' } },
    ]);
    stsClient.destroy();
  });
});
