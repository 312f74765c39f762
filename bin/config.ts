import { z } from 'zod';
import { partnerIdSchema } from '../core/partners/catalogue.js';
import { siteIdSchema } from '../core/support/schema.js';
import { toFieldIssues } from '../core/support/validation.js';

const regionSchema = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'an AWS region such as us-east-2');

/**
 * DynamoDB multi-Region strong consistency (MRSC) region sets (AWS::DynamoDB::GlobalTable GlobalTableWitness): the
 * site lease table's replicas and witness must all be in one of them.
 */
export const MRSC_REGION_SETS: readonly (readonly string[])[] = [
  ['us-east-1', 'us-east-2', 'us-west-2'],
  ['eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1'],
  ['ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3'],
];

const settlementPointSchema = z.string().regex(/^[A-Z][A-Z0-9_]{1,31}$/, 'an ERCOT settlement point, e.g. HB_WEST');

/**
 * The `hcp` context of the CDK app (cdk.json, or `-c hcp='{...}'`): validated before any stack is built so a typo
 * stops `cdk synth` with a message naming the field.
 */
const appContextFields = z.strictObject({
  /** The one region of a single-region deployment; with `regions`, absent or equal to its first entry. */
  region: regionSchema.optional(),
  /**
   * `[primary, ...standbys]`: every region gets the regional stacks (IoT endpoint, control flows, API); the table is a
   * global table with a replica in each; the site lease table is an MRSC global table (docs/REGIONS.md).
   * @default [region]
   */
  regions: z
    .array(regionSchema)
    .min(1)
    .max(3)
    .refine((r) => new Set(r).size === r.length, 'each region once')
    .optional(),
  /**
   * The lease table's MRSC witness region when `regions` has two entries. @default the region of the pair's MRSC
   * region set that is not one of them (us-east-2 + us-west-2 → us-east-1)
   */
  leaseWitnessRegion: regionSchema.optional(),
  /**
   * The API's one name: a Route 53 hosted zone and the record under it that fails over between the regions' APIs.
   * @default none: each region's API is reached on its own URL (cdk synth says so)
   */
  apiDomain: z
    .strictObject({
      hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,31}$/, 'a Route 53 hosted zone id, e.g. Z0123456789ABC'),
      zoneName: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'the hosted zone name, e.g. example.com'),
      recordName: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'a name in the zone, e.g. api.example.com'),
    })
    .optional(),
  account: z
    .string()
    .regex(/^\d{12}$/, '12 digits')
    .optional(),
  stage: z.string().regex(/^[a-z][a-z0-9-]{1,15}$/, 'lower-case, 2–16 characters'),
  sites: z.array(siteIdSchema).min(1).max(500),
  /**
   * Where telemetry goes: `iceberg` (IoT rule → Data Firehose → Apache Iceberg tables in S3 with a Glue catalog, queried
   * with Athena; deploys in any account) or `timestream` (Timestream for LiveAnalytics, closed to new AWS customers
   * since 2025-06-20: only for accounts that have it). @default iceberg
   */
  telemetrySink: z.enum(['iceberg', 'timestream']).default('iceberg'),
  /** How long the Iceberg telemetry stays and when it moves to cheaper storage. @default see telemetryLifecycleSchema */
  telemetryLifecycle: z
    .strictObject({
      /** Days before data files move to S3 Standard-IA (S3 refuses fewer than 30). @default 30 */
      infrequentAccessAfterDays: z.number().int().min(30).max(36_500).optional(),
      /** Days before data files expire; past the IA move (S3 bills IA objects for 30 days at least). @default 400 */
      expireAfterDays: z.number().int().min(1).max(36_500).optional(),
    })
    .refine((l) => (l.expireAfterDays ?? 400) >= (l.infrequentAccessAfterDays ?? 30) + 30, {
      message: 'must be at least infrequentAccessAfterDays + 30',
      path: ['expireAfterDays'],
    })
    .optional(),
  /** Athena refuses a telemetry query that would scan more than this (workgroup cutoff). @default 1024 (1 GiB) */
  athenaBytesScannedLimitMb: z.number().int().min(10).max(1_048_576).optional(),
  /** Days each M&V evidence document stays locked in S3 Object Lock compliance mode. @default 2555 (7 years) */
  evidenceRetentionDays: z.number().int().min(1).max(36_500).optional(),
  /**
   * The QSE's AWS principal (an IAM role or user ARN) allowed to send ancillary awards to the awards queue (README,
   * "Ancillary services"). @default none: only principals of this account with their own grant may send
   */
  qseAwardsSenderArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}$/, 'an IAM role or user ARN')
    .optional(),
  /** Partner clouds HCP holds API keys for (#28): a Secrets Manager secret each. @default none */
  partners: z.array(partnerIdSchema).max(20).optional(),
  /** Optional on-call address subscribed to alarms. */
  alarmEmail: z.email().optional(),
  /** Where market prices come from (README, "Market data sources"). @default synthetic */
  market: z
    .discriminatedUnion('kind', [
      z.strictObject({ kind: z.enum(['synthetic', 'stored']) }),
      z.strictObject({ kind: z.literal('ercot'), nodes: z.array(settlementPointSchema).min(1).optional() }),
      z.strictObject({
        kind: z.literal('csv'),
        bucketName: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name'),
        priceKeys: z.record(settlementPointSchema, z.string().min(1)),
        hashpriceKey: z.string().min(1),
        systemLoadKey: z.string().min(1).optional(),
        ancillaryPricesKey: z.string().min(1).optional(),
      }),
    ])
    .optional(),
});

export const appContextSchema = appContextFields.superRefine((c, ctx) => {
  if (!c.region && !c.regions) ctx.addIssue({ code: 'custom', path: ['region'], message: 'required (or regions)' });
  if (c.region && c.regions && c.regions[0] !== c.region) {
    ctx.addIssue({ code: 'custom', path: ['region'], message: `must be the primary, regions[0] (${c.regions[0]})` });
  }
  const regions = c.regions ?? [];
  if (regions.length < 2) {
    if (c.leaseWitnessRegion) {
      ctx.addIssue({ code: 'custom', path: ['leaseWitnessRegion'], message: 'only with two regions' });
    }
    return;
  }
  const set = MRSC_REGION_SETS.find((s) => regions.every((r) => s.includes(r)));
  if (!set) {
    ctx.addIssue({
      code: 'custom',
      path: ['regions'],
      message: `the site lease needs all regions in one MRSC region set: ${MRSC_REGION_SETS.map((s) => s.join(', ')).join(' | ')}`,
    });
    return;
  }
  if (c.leaseWitnessRegion && (!set.includes(c.leaseWitnessRegion) || regions.includes(c.leaseWitnessRegion))) {
    ctx.addIssue({
      code: 'custom',
      path: ['leaseWitnessRegion'],
      message: `a region of ${set.join(', ')} that is not in regions`,
    });
  }
});
export type AppContext = z.infer<typeof appContextSchema>;

/** The deployment's regions, primary first, and the lease table's witness when there are two. */
export interface RegionPlan {
  readonly primary: string;
  readonly standbys: readonly string[];
  /** Absent in a single-region deployment (no lease table: the site's counter item holds the epoch). */
  readonly leaseWitness?: string;
}

export function regionPlan(context: AppContext): RegionPlan {
  const regions = context.regions ?? [context.region as string];
  const [primary, ...standbys] = regions as [string, ...string[]];
  if (regions.length !== 2) return { primary, standbys };
  const set = MRSC_REGION_SETS.find((s) => regions.every((r) => s.includes(r))) ?? [];
  const leaseWitness = context.leaseWitnessRegion ?? set.find((r) => !regions.includes(r));
  return { primary, standbys, ...(leaseWitness ? { leaseWitness } : {}) };
}

export function parseAppContext(raw: unknown): AppContext {
  const value = typeof raw === 'string' ? safeJson(raw) : raw;
  const parsed = appContextSchema.safeParse(value);
  if (!parsed.success) {
    const detail = toFieldIssues(parsed.error)
      .map((i) => `hcp.${i.field === '(root)' ? '' : i.field}: ${i.message}`)
      .join('; ');
    throw new Error(`invalid CDK context: ${detail}`);
  }
  return parsed.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error('invalid CDK context: hcp: not valid JSON');
  }
}
