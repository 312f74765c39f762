import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/** The rebuilt ERCOT API responses (sim/market/rebuild-ercot-fixtures.ts). */
export const ERCOT_FIXTURE_DIR = path.join(process.cwd(), 'sim', 'data', 'ercot-api');
export const FIXTURE_CREDENTIALS = {
  subscriptionKey: 'fixture-key',
  username: 'fixture-user',
  password: 'fixture-pass',
};

interface FixturePage {
  readonly fields: ReadonlyArray<{ name: string }>;
  readonly data: readonly unknown[][];
}

export interface ErcotFixtureServer {
  /** Base of the report paths, like https://api.ercot.com/api/public-reports. */
  readonly baseUrl: string;
  readonly tokenUrl: string;
  /** Every request received, in order: path with query, or `token`. */
  readonly requests: string[];
  /** The next `count` report requests answer `status` (an outage: 503s, or 429 throttling), with a Retry-After. */
  failNext(count: number, status: number, retryAfterSeconds?: number): void;
  stop(): Promise<void>;
}

/**
 * ERCOT's Public API played from the fixture files over real HTTP: the B2C token endpoint (ROPC form post answering an
 * `id_token`), the subscription-key and bearer checks (401 without them), report rows filtered by delivery date and
 * settlement point, and paging by `page`/`size` with `_meta.totalPages`. Used by the integration test and by
 * `npm start -- --market ercot-replay`.
 */
export async function startErcotFixtureServer(dir = ERCOT_FIXTURE_DIR): Promise<ErcotFixtureServer> {
  const reports = new Map<string, FixturePage[]>();
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.json'))) {
    const emil = file.split('_')[0]!;
    reports.set(emil, [...(reports.get(emil) ?? []), JSON.parse(readFileSync(path.join(dir, file), 'utf8'))]);
  }
  const requests: string[] = [];
  const failures: Array<{ status: number; retryAfterSeconds?: number }> = [];
  let tokens = 0;

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const url = new URL(req.url ?? '/', 'http://fixture');
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
    };
    if (req.method === 'POST' && url.pathname === '/token') {
      requests.push('token');
      const form = new URLSearchParams(body);
      const ok =
        form.get('grant_type') === 'password' &&
        form.get('username') === FIXTURE_CREDENTIALS.username &&
        form.get('password') === FIXTURE_CREDENTIALS.password;
      if (!ok) return json(400, { error: 'invalid_grant' });
      tokens += 1;
      return json(200, { id_token: `fixture-token-${tokens}`, token_type: 'Bearer', expires_in: '3600' });
    }
    requests.push(`${url.pathname}${url.search}`);
    if (
      req.headers['ocp-apim-subscription-key'] !== FIXTURE_CREDENTIALS.subscriptionKey ||
      !/^Bearer fixture-token-\d+$/.test(req.headers.authorization ?? '')
    ) {
      return json(401, { statusCode: 401, message: 'Access denied due to invalid subscription key or token' });
    }
    const failure = failures.shift();
    if (failure) {
      const headers: Record<string, string> =
        failure.retryAfterSeconds === undefined ? {} : { 'retry-after': String(failure.retryAfterSeconds) };
      return json(failure.status, { error_key: failure.status === 429 ? 'throttled' : 'unavailable' }, headers);
    }
    const match = /^\/api\/public-reports\/([a-z0-9-]+)\/[a-z0-9_]+$/.exec(url.pathname);
    const pages = match ? reports.get(match[1]!) : undefined;
    if (!pages) return json(404, { message: 'Resource not found' });
    const fields = pages[0]!.fields;
    const column = (name: string) => fields.findIndex((field) => field.name === name);
    // Daily and interval reports are asked by delivery date, the actual load (NP6-345-CD) by operating day, SCED
    // reports (NP6-788-CD) by SCED timestamp.
    const dateField = ['deliveryDate', 'operatingDay'].find((name) => column(name) >= 0) ?? 'SCEDTimestamp';
    const [date, point] = [column(dateField), column('settlementPoint')];
    const from = url.searchParams.get(`${dateField}From`);
    const to = url.searchParams.get(`${dateField}To`);
    const wanted = url.searchParams.get('settlementPoint');
    const rows = pages
      .flatMap((page) => page.data)
      .filter((row) => (from === null || String(row[date]) >= from) && (to === null || String(row[date]) <= to))
      .filter((row) => wanted === null || point < 0 || row[point] === wanted);
    const size = Number(url.searchParams.get('size') ?? 1000);
    const page = Number(url.searchParams.get('page') ?? 1);
    const totalPages = Math.max(1, Math.ceil(rows.length / size));
    return json(200, {
      _meta: { totalRecords: rows.length, pageSize: size, totalPages, currentPage: page },
      fields,
      data: rows.slice((page - 1) * size, page * size),
    });
  };

  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => handle(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/api/public-reports`,
    tokenUrl: `http://127.0.0.1:${port}/token`,
    requests,
    failNext(count, status, retryAfterSeconds) {
      for (let i = 0; i < count; i += 1)
        failures.push({ status, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) });
    },
    stop: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
