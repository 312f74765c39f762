import { z } from 'zod';
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
  /** Where telemetry goes: Timestream (maintenance mode since 2025-06-20; kept behind one construct to swap it). */
  telemetrySink: z.enum(['timestream']),
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
