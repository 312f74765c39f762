import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { PLATFORM_TENANT_ID } from '../../../core/api/access.js';
import { errorResponseSchema } from '../../../core/api/errors.js';
import type { Role } from '../../../core/api/principal.js';
import type { SwitchFlowStarter } from '../../../functions/api/switch-flows.js';
import { useLocalTelemetryHistory } from '../../../functions/api/telemetry/sources.js';
import { verifyAudit } from '../../../functions/shared/data/audit-log.js';
import type { LocalApiOptions } from '../../../sim/local/api-routes.js';
import { ParquetTelemetryStore } from '../../../sim/local/telemetry-store.js';
import { type ApiHarness, startApiHarness } from '../../integration/api/harness.js';

/**
 * The API abuse suites' client: the integration harness (DynamoDB Local + the real API behind the local adapter) and a
 * raw HTTP sender that sends paths, headers and bodies exactly as given (fetch would normalise `..` and refuse odd
 * headers) and never throws on a body that is not JSON.
 */

export interface RawRequest {
  readonly method: string;
  /** Path and query string, sent byte for byte. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A string is sent as is; anything else as JSON with `content-type: application/json`. */
  readonly body?: unknown;
}

export interface RawResponse {
  readonly status: number;
  readonly text: string;
  /** The parsed body, or undefined when it is not JSON. */
  readonly json: any;
}

export function sendRaw(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const headers: Record<string, string> = { ...request.headers };
  let payload: Buffer | undefined;
  if (request.body !== undefined) {
    payload = Buffer.from(typeof request.body === 'string' ? request.body : JSON.stringify(request.body), 'utf8');
    if (typeof request.body !== 'string') headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      { host: url.hostname, port: url.port, method: request.method, path: request.path, headers, agent: keepAlive },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: response.statusCode ?? 0, text, json: parseJson(text) });
        });
        response.once('error', reject);
      },
    );
    outgoing.once('error', reject);
    outgoing.end(payload);
  });
}

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 8 });

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Why a 4xx/5xx body is not the API's error shape (core/api/errors.ts), or undefined when it is. */
export function errorShapeProblem(response: RawResponse): string | undefined {
  const parsed = errorResponseSchema.safeParse(response.json);
  return parsed.success ? undefined : `not the error shape: ${response.text.slice(0, 200)}`;
}

/** The field names a 4xx names in `error.issues`. */
export const issueFields = (response: RawResponse): string[] =>
  (response.json?.error?.issues ?? []).map((issue: { field: string }) => issue.field);

/** A key of each role: customer roles in `tenantId`, operator and admin in the platform tenant. */
export type RoleKeys = Readonly<Record<Role, string>>;

export interface AbuseHarness extends ApiHarness {
  /** The demo tenant's key of each role. */
  readonly keys: RoleKeys;
  send(request: RawRequest): Promise<RawResponse>;
  /** Every audit chain's length, by chain. */
  auditLengths(chains: readonly string[]): Promise<Record<string, number>>;
  /** The whole table, sorted: equal before and after means nothing was written. */
  tableSnapshot(): Promise<string>;
}

/** Overrides are recorded instead of run: the abuse suites have no control loop. */
export const recordingSwitchFlows = (): SwitchFlowStarter => ({
  start: async (_input, name) => ({ executionArn: `arn:aws:states:local:execution:SwitchFlow:${name}` }),
});

export async function startAbuseHarness(options: Partial<LocalApiOptions> & { tableName: string }) {
  const h = await startApiHarness({ switchFlows: recordingSwitchFlows(), ...options });
  // The history routes read an (empty) Parquet store, as under `npm start`, so the suites reach their queries.
  const historyRoot = mkdtempSync(path.join(tmpdir(), 'hcp-abuse-history-'));
  const history = await ParquetTelemetryStore.open(historyRoot);
  useLocalTelemetryHistory(history);
  const keys: RoleKeys = {
    'customer-user': h.demo.apiKey,
    'customer-admin': h.demo.customerAdminApiKey,
    operator: h.demo.operatorApiKey,
    admin: h.demo.adminApiKey,
  };
  const harness: AbuseHarness = {
    ...h,
    async stop() {
      useLocalTelemetryHistory(undefined);
      await history.close();
      rmSync(historyRoot, { recursive: true, force: true });
      await h.stop();
    },
    keys,
    send: (request) => sendRaw(h.url, request),
    async auditLengths(chains) {
      const lengths = await Promise.all(chains.map((chain) => verifyAudit(h.api.runtime.audit, chain)));
      return Object.fromEntries(chains.map((chain, i) => [chain, lengths[i]!.checked]));
    },
    async tableSnapshot() {
      const items: Record<string, unknown>[] = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await h.documents.send(new ScanCommand({ TableName: h.tableName, ExclusiveStartKey }));
        items.push(...(page.Items ?? []));
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return items
        .map((item) => JSON.stringify(item, Object.keys(item).sort()))
        .sort()
        .join('\n');
    },
  };
  return harness;
}

export const DEMO_CHAINS = ['demo', PLATFORM_TENANT_ID] as const;

/** Counts by key, printed as one line: `200×12 400×310 404×8`. */
export class Tally {
  private readonly counts = new Map<string, Map<number, number>>();

  add(key: string, status: number): void {
    const byStatus = this.counts.get(key) ?? new Map<number, number>();
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    this.counts.set(key, byStatus);
  }

  total(key?: string): number {
    const rows = key ? [this.counts.get(key) ?? new Map()] : [...this.counts.values()];
    return rows.reduce((sum, byStatus) => sum + [...byStatus.values()].reduce((a, b) => a + b, 0), 0);
  }

  /** Requests by status over every key. */
  histogram(): Record<number, number> {
    const out: Record<number, number> = {};
    for (const byStatus of this.counts.values())
      for (const [status, count] of byStatus) out[status] = (out[status] ?? 0) + count;
    return out;
  }

  report(title: string): string {
    const line = (byStatus: Map<number, number> | Record<number, number>) =>
      [...(byStatus instanceof Map ? byStatus : Object.entries(byStatus).map(([s, c]) => [Number(s), c] as const))]
        .sort(([a], [b]) => a - b)
        .map(([status, count]) => `${status}×${count}`)
        .join(' ');
    const rows = [...this.counts.entries()].map(
      ([key, byStatus]) => `  ${key.padEnd(56)} ${String(this.total(key)).padStart(6)}  ${line(byStatus)}`,
    );
    return [`${title}: ${this.total()} requests`, ...rows, `  ${'all'.padEnd(56)} ${line(this.histogram())}`].join(
      '\n',
    );
  }
}
