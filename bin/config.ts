import { z } from 'zod';
import { partnerIdSchema } from '../core/partners/catalogue.js';
import { siteIdSchema } from '../core/support/schema.js';
import { toFieldIssues } from '../core/support/validation.js';

const settlementPointSchema = z.string().regex(/^[A-Z][A-Z0-9_]{1,31}$/, 'an ERCOT settlement point, e.g. HB_WEST');

/**
 * The `hcp` context of the CDK app (cdk.json, or `-c hcp='{...}'`): validated before any stack is built so a typo
 * stops `cdk synth` with a message naming the field.
 */
export const appContextSchema = z.strictObject({
  region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'an AWS region such as us-east-2'),
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
export type AppContext = z.infer<typeof appContextSchema>;

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
