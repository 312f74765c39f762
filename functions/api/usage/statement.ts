import type { APIGatewayProxyResult } from 'aws-lambda';
import { CUSTOMER_ROLES } from '../../../core/api/access.js';
import { statementQuerySchema } from '../../../core/api/statements.js';
import { statementCsv, usageStatement } from '../../../core/metering/statement.js';
import type { MeteredAttempt } from '../../../core/metering/usage.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, parseQuery, tenantApiHandler } from '../handler.js';

/**
 * GET /v1/usage/statement?period=YYYY-MM[&format=csv]: the tenant's month line by line (every attempt billed, with
 * its model, tier, outcome, GPU-seconds, tokens, energy and price) and totals overall and per tier that add up to the
 * lines exactly. `format=csv` returns the same as a spreadsheet-ready file.
 */
export async function getStatement({ event, principal, runtime }: ApiRequest): Promise<APIGatewayProxyResult> {
  const { period, format } = parseQuery(event, statementQuerySchema);
  const records = (await runtime.workloads.usageRecords(principal.tenantId, period)) as MeteredAttempt[];
  const statement = usageStatement(records, principal.tenantId, period);
  if (format === 'json') return jsonResponse(200, statement);
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

export const handler = tenantApiHandler(CUSTOMER_ROLES, getStatement);
