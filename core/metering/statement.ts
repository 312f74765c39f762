import { usagePeriodOf } from '../api/usage.js';
import type { BidStatementSection } from '../bids/statement.js';
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

/** The bid fills' section: one row per fill, in the bid's own unit and in GPU-hours, then the section's totals. */
export const BID_FILL_CSV_COLUMNS = [
  'bidId',
  'clearingId',
  'intervalStart',
  'modelClass',
  'venue',
  'unit',
  'amount',
  'unitPriceUsd',
  'gpuHours',
  'priceUsdPerGpuHour',
  'amountUsd',
] as const;

export const PARTNER_CSV_COLUMNS = ['partnerId', 'attempts', 'priceUsd', 'partnerCostUsd', 'marginUsd'] as const;

const csvRow = (fields: ReadonlyArray<string | number>) => fields.map(csvField).join(',');

/**
 * The statement as CSV. First the attempts: a header, one row per attempt, then a `TOTAL` row whose figures are the
 * statement's totals. Then, each after an empty line and only when the month has them: the bid fills (#28; `unit` is
 * the bid's own, `amount` its GPU-hours or tokens, `unitPriceUsd` per GPU-hour or per million tokens; `venue` where the
 * work runs, `site` or `partner:<id>`) with a `BID FILLS TOTAL` row equal to the JSON's `bidFills`, and the partner
 * block (per partner: attempts, price, the partner's cost, HCP's margin) with a `PARTNER TOTAL` row equal to the JSON's
 * `partner`. Every total is the JSON's own figure, and the rows above it add up to it (micro-dollar sums).
 */
export function statementCsv(statement: UsageStatement & { readonly bidFills?: BidStatementSection }): string {
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
  const sections = [[STATEMENT_CSV_COLUMNS.join(','), ...rows, total.map(csvField).join(',')]];
  const fills = statement.bidFills;
  if (fills?.lines.length) {
    sections.push([
      BID_FILL_CSV_COLUMNS.join(','),
      ...fills.lines.map((l) => {
        const inTokens = l.unit === 'tokens' && l.tokens !== undefined;
        const { venue, partnerId } = l as { venue?: string; partnerId?: string };
        return csvRow([
          l.bidId,
          l.clearingId,
          l.intervalStart,
          l.modelClass,
          venue === 'partner' ? `partner:${partnerId ?? ''}` : 'site',
          l.unit,
          inTokens ? l.tokens! : l.gpuHours,
          inTokens ? (l.priceUsdPerMillionTokens ?? '') : l.priceUsdPerGpuHour,
          l.gpuHours,
          l.priceUsdPerGpuHour,
          l.amountUsd,
        ]);
      }),
      csvRow(['BID FILLS TOTAL', '', '', '', '', '', '', '', fills.gpuHours, '', fills.amountUsd]),
    ]);
  }
  const partner = statement.partner;
  if (partner.attempts > 0) {
    sections.push([
      PARTNER_CSV_COLUMNS.join(','),
      ...Object.entries(partner.byPartner).map(([id, p]) =>
        csvRow([id, p.attempts, p.priceUsd, p.partnerCostUsd, p.marginUsd]),
      ),
      csvRow(['PARTNER TOTAL', partner.attempts, partner.priceUsd, partner.partnerCostUsd, partner.marginUsd]),
    ]);
  }
  return `${sections.map((lines) => lines.join('\r\n')).join('\r\n\r\n')}\r\n`;
}
