import type { APIGatewayProxyResult } from 'aws-lambda';
import { CUSTOMER_ROLES } from '../../../core/api/access.js';
import { monthWindow, statementQuerySchema } from '../../../core/api/statements.js';
import type { Bid } from '../../../core/bids/bid.js';
import { bidStatementSection, fillKey } from '../../../core/bids/statement.js';
import { statementCsv, usageStatement } from '../../../core/metering/statement.js';
import type { MeteredAttempt } from '../../../core/metering/usage.js';
import { readFillWork } from '../../bids/fill-work.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, parseQuery, tenantApiHandler } from '../handler.js';

/**
 * GET /v1/usage/statement?period=YYYY-MM[&format=csv]: the tenant's month line by line (every attempt billed, with
 * its model, tier, outcome, GPU-seconds, tokens, energy and price) and totals overall and per tier that add up to the
 * lines exactly, and the month's bid fills at their clearing prices (#28). `format=csv` returns the same as a spreadsheet-ready file.
 */
export async function getStatement({ event, principal, runtime }: ApiRequest): Promise<APIGatewayProxyResult> {
  const { period, format } = parseQuery(event, statementQuerySchema);
  const records = (await runtime.workloads.usageRecords(principal.tenantId, period)) as MeteredAttempt[];
  const statement = usageStatement(records, principal.tenantId, period);
  const { fromMs, toMs } = monthWindow(period, Number.POSITIVE_INFINITY);
  const bids = await runtime.bids.list(principal.tenantId);
  const bidFills = bidStatementSection(bids, fromMs, toMs, await fillCredits(runtime.jobs, bids));
  if (format === 'json') return jsonResponse(200, { ...statement, bidFills });
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="hcp-usage-${principal.tenantId}-${period}.csv"`,
      'cache-control': 'no-store',
    },
    body: statementCsv(statement),
  };
}

/** Each fill's credit, from its work's jobs (functions/bids/fill-work.ts `readFillWork`). */
async function fillCredits(jobs: ApiRequest['runtime']['jobs'], bids: readonly Bid[]): Promise<Map<string, number>> {
  const entries = await Promise.all(
    bids.flatMap((bid) =>
      bid.fills.map(
        async (fill) => [fillKey(bid.id, fill.clearingId), (await readFillWork(jobs, bid, fill)).creditUsd] as const,
      ),
    ),
  );
  return new Map(entries);
}

export const handler = tenantApiHandler(CUSTOMER_ROLES, getStatement);
