/**
 * `npm run bench:tenant-scope`: what tenant-scoped table access (#23 item 5) adds to a request. One consistent GetItem
 * on DynamoDB Local over loopback HTTP, `--requests` times per mode:
 * - `unscoped`: the function's own client (before);
 * - `guard`: the same client behind the tenant guard (the local platform, and the check every AWS request gets too);
 * - `sts-warm`: the AWS path with the tenant's session cached: scope lookup, guard, SigV4 with the session's keys;
 * - `sts-cold`: a tenant's first request in a container (`--tenants` distinct tenants): AssumeRole with session tags
 *   against the STS stand-in (real query protocol and XML, loopback), a new scoped client on the shared connection
 *   pool, then the GetItem.
 * STS's own latency in a region is not in these figures (the stand-in answers on loopback): add one STS round trip
 * per tenant per container per hour to `sts-cold`. The last line printed is one JSON object.
 */
import '../local-env.js';
import { STSClient } from '@aws-sdk/client-sts';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { createDocumentClient } from '../../functions/shared/data/client.js';
import { stsAssumeTenantRole, stsTenantTableClients } from '../../functions/shared/data/sts-tenant-clients.js';
import {
  scopeAllows,
  scopedClient,
  scopeLeadingKeyPatterns,
  type TenantScope,
} from '../../functions/shared/data/tenant-scope.js';
import { exitOnError, parseArgsOrExit } from '../cli/args.js';
import {
  ensureTable,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localDynamoDbClient,
  startDynamoDbLocal,
} from '../local/dynamodb-local.js';
import { startStsStandIn } from '../local/sts-stand-in.js';

const { values, verbose } = parseArgsOrExit({
  command: 'bench:tenant-scope',
  usage: 'npm run bench:tenant-scope -- [--requests N] [--tenants N]\n\nThe cost of tenant-scoped table credentials.',
  flags: z.strictObject({
    requests: z.coerce.number().int().positive().default(500),
    tenants: z.coerce.number().int().positive().default(50),
  }),
  help: { requests: 'GetItems per warm mode', tenants: 'tenants whose first request is measured (cold)' },
});

const TABLE = 'hcp-bench-tenant-scope';
const ROLE_ARN = 'arn:aws:iam::111122223333:role/bench-tenant-data';
const scopeOf = (tenantId: string): TenantScope => ({ tenantId, auditChain: tenantId });
const getOwn = (tenantId: string) =>
  new GetCommand({ TableName: TABLE, Key: { pk: `TENANT#${tenantId}`, sk: 'PROFILE' }, ConsistentRead: true });

function summary(samplesMs: number[]) {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  return {
    n: sorted.length,
    p50Ms: round(at(0.5)),
    p99Ms: round(at(0.99)),
    meanMs: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
  };
}

async function timed(times: number, request: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < times; i += 1) {
    const start = performance.now();
    await request(i);
    samples.push(performance.now() - start);
  }
  return samples;
}

async function main() {
  const dynamo = await startDynamoDbLocal();
  const sts = await startStsStandIn();
  const admin = localDynamoDbClient(dynamo.endpoint);
  const clientConfig = { endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const base: DynamoDBDocumentClient = createDocumentClient(clientConfig);
  const stsClient = new STSClient({ endpoint: sts.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  try {
    await ensureTable(admin, TABLE);
    const tenants = Array.from({ length: values.tenants + 1 }, (_, i) => `bench-${i}`);
    for (const tenantId of tenants) {
      await base.send(
        new PutCommand({ TableName: TABLE, Item: { pk: `TENANT#${tenantId}`, sk: 'PROFILE', tenantId } }),
      );
    }
    const [warmTenant = 'bench-0', ...coldTenants] = tenants;
    const sessions = stsTenantTableClients({
      roleArn: ROLE_ARN,
      assume: stsAssumeTenantRole(stsClient, ROLE_ARN),
      clientConfig: { endpoint: dynamo.endpoint, region: LOCAL_REGION, requestHandler: base.config.requestHandler },
    });
    const guarded = scopedClient(base, scopeOf(warmTenant));
    const modes = {
      unscoped: () => base.send(getOwn(warmTenant)),
      guard: () => guarded.send(getOwn(warmTenant)),
      stsWarm: async () => (await sessions.forScope(scopeOf(warmTenant))).send(getOwn(warmTenant)),
    };
    const samples = {
      unscoped: [] as number[],
      guard: [] as number[],
      stsWarm: [] as number[],
      stsCold: [] as number[],
    };
    for (const run of Object.values(modes)) await timed(50, run); // JIT, connections and the warm session, not measured
    // Interleaved, in a rotating order, so the machine's load drifts over every mode alike.
    const names = Object.keys(modes) as (keyof typeof modes)[];
    for (let i = 0; i < values.requests; i += 1) {
      for (let k = 0; k < names.length; k += 1) {
        const name = names[(i + k) % names.length]!;
        samples[name].push(...(await timed(1, modes[name])));
      }
      const coldTenant = coldTenants[i];
      if (coldTenant) {
        samples.stsCold.push(
          ...(await timed(1, async () => (await sessions.forScope(scopeOf(coldTenant))).send(getOwn(coldTenant)))),
        );
      }
    }
    // The guard's own work, without I/O: the check of one request's leading keys.
    const checks = 100_000;
    const patterns = scopeLeadingKeyPatterns(scopeOf(warmTenant));
    const checkStart = performance.now();
    for (let i = 0; i < checks; i += 1) scopeAllows(patterns, getOwn(warmTenant).input);
    const guardCheckUs = Math.round(((performance.now() - checkStart) / checks) * 1000 * 100) / 100;
    const unscoped = summary(samples.unscoped);
    const guard = summary(samples.guard);
    const stsWarm = summary(samples.stsWarm);
    const stsCold = summary(samples.stsCold);
    const extra = (mode: { p50Ms: number }) => Math.round((mode.p50Ms - unscoped.p50Ms) * 1000) / 1000;
    console.log(
      JSON.stringify({
        bench: 'tenant-scope',
        requests: values.requests,
        tenants: coldTenants.length,
        assumeRoleCalls: sts.calls.length,
        guardCheckUs,
        unscoped,
        guard,
        stsWarm,
        stsCold,
        extraP50Ms: { guard: extra(guard), stsWarm: extra(stsWarm), stsCold: extra(stsCold) },
      }),
    );
  } finally {
    stsClient.destroy();
    base.destroy();
    admin.destroy();
    await sts.stop();
    await dynamo.stop();
  }
}

main().catch(exitOnError('bench:tenant-scope', verbose));
