import { usagePeriodOf } from '../api/usage.js';
import type { WorkloadTier } from '../model/workload.js';
import { type PartnerTotals, partnerTotals } from '../partners/figures.js';
import type { MeteredAttempt } from './usage.js';

export interface UsageTotals {
  /** Distinct jobs with at least one attempt in the period. */
  readonly jobs: number;
  readonly attempts: number;
  readonly gpuSeconds: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly energyKwh: number;
  readonly priceUsd: number;
}

export interface UsageStatement {
  readonly tenantId: string;
  /** Calendar month, UTC, `YYYY-MM`. */
  readonly period: string;
  readonly lines: readonly MeteredAttempt[];
  readonly totals: UsageTotals;
  readonly byTier: Readonly<Record<WorkloadTier, UsageTotals>>;
  /** The lines partner clouds ran (also in `lines` and `totals`): their price, the partners' cost, the margin. */
  readonly partner: PartnerTotals;
}

const MICRO = 1e6;

/**
 * Sums in integer micro-units: each record is already rounded to a micro-unit, so the total is exactly the sum of
 * the lines as printed, in any order.
 */
export function totalsOf(records: readonly MeteredAttempt[]): UsageTotals {
  const micro = (pick: (r: MeteredAttempt) => number) =>
    records.reduce((sum, r) => sum + Math.round(pick(r) * MICRO), 0) / MICRO;
  return {
    jobs: new Set(records.map((r) => r.workloadId)).size,
    attempts: records.length,
    gpuSeconds: micro((r) => r.gpuSeconds),
    inputTokens: records.reduce((sum, r) => sum + r.inputTokens, 0),
    outputTokens: records.reduce((sum, r) => sum + r.outputTokens, 0),
    energyKwh: micro((r) => r.energyKwh),
    priceUsd: micro((r) => r.priceUsd),
  };
}

/** A tenant's month: every attempt that ended in it, in time order, with totals overall and per tier. */
export function usageStatement(records: readonly MeteredAttempt[], tenantId: string, period: string): UsageStatement {
  const lines = records
    .filter((r) => r.tenantId === tenantId && usagePeriodOf(r.completedAt) === period)
    .sort(
      (a, b) =>
        a.completedAt.localeCompare(b.completedAt) || a.workloadId.localeCompare(b.workloadId) || a.attempt - b.attempt,
    );
  return {
    tenantId,
    period,
    lines,
    totals: totalsOf(lines),
    byTier: {
      guaranteed: totalsOf(lines.filter((r) => r.tier === 'guaranteed')),
      flex: totalsOf(lines.filter((r) => r.tier === 'flex')),
      bid: totalsOf(lines.filter((r) => r.tier === 'bid')),
    },
    // A bid's partner work is billed on its fill (the statement's bid section), not as a partner attempt.
    partner: partnerTotals(lines.filter((r) => r.tier !== 'bid')),
  };
}

export const STATEMENT_CSV_COLUMNS = [
  'completedAt',
  'workloadId',
  'attempt',
  'outcome',
  'tier',
  'modelId',
  'siteId',
  'poolId',
  'gpuSeconds',
  'inputTokens',
  'outputTokens',
  'energyKwh',
  'priceUsd',
] as const;

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
export function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The statement as CSV: a header, one row per attempt, then a `TOTAL` row whose figures are the statement's totals. */
export function statementCsv(statement: UsageStatement): string {
  const rows = statement.lines.map((line) => STATEMENT_CSV_COLUMNS.map((c) => csvField(line[c])).join(','));
  const t = statement.totals;
  const total = [
    'TOTAL',
    '',
    t.attempts,
    '',
    '',
    '',
    '',
    '',
    t.gpuSeconds,
    t.inputTokens,
    t.outputTokens,
    t.energyKwh,
    t.priceUsd,
  ];
  return `${[STATEMENT_CSV_COLUMNS.join(','), ...rows, total.map(csvField).join(',')].join('\r\n')}\r\n`;
}
