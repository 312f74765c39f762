import { z } from 'zod';
import { ercotApiPageSchema, pageRecords } from '../../../core/market-ingest/ercot-api.js';
import type { Clock } from '../../../core/support/clock.js';

/**
 * ERCOT's Public API (api.ercot.com). Sources:
 * - Authentication: developer.ercot.com/applications/pubapi/user-guide/registration-and-authentication. Every request
 *   carries the account's subscription key (`Ocp-Apim-Subscription-Key`) and `Authorization: Bearer <id_token>`; the
 *   ID token comes from ERCOT's Azure AD B2C resource-owner password (ROPC) flow, is valid one hour and cannot be
 *   refreshed: a new one is requested with the username and password.
 * - Limits: developer.ercot.com/applications/pubapi/known-limits: "up to 30 requests per minute", a 429 with
 *   `{"error_key":"throttled"}` beyond; requests come from the USA only. ERCOT's data-transparency terms also ask that
 *   a report be polled no more than three times per its posting period (NP6-905-CD: at most every 5 minutes).
 * - Paging: each response has `_meta.totalPages`/`currentPage`; `page` and `size` ask for a page.
 */
export const ERCOT_API_BASE_URL = 'https://api.ercot.com/api/public-reports';
export const ERCOT_TOKEN_URL =
  'https://ercotb2c.b2clogin.com/ercotb2c.onmicrosoft.com/B2C_1_PUBAPI-ROPC-FLOW/oauth2/v2.0/token';
/** ERCOT's public client id for the ROPC flow, printed in its registration guide: configuration, not a secret. */
export const ERCOT_CLIENT_ID = 'fec253ea-0d06-4272-a5e6-b478baeecd70';
/** 30 requests per minute (known-limits): one request every 2 s. */
export const ERCOT_MIN_REQUEST_SPACING_MS = 2_000;

export const ercotCredentialsSchema = z.strictObject({
  subscriptionKey: z.string().min(1),
  username: z.string().min(1),
  password: z.string().min(1),
});
export type ErcotCredentials = z.infer<typeof ercotCredentialsSchema>;

/** Where the API credentials live: Secrets Manager in AWS (secrets-manager-credentials.ts), a fixed value in tests. */
export interface ErcotCredentialsSource {
  credentials(): Promise<ErcotCredentials>;
}

const tokenResponseSchema = z.looseObject({
  id_token: z.string().min(1),
  /** Seconds; B2C sends `id_token_expires_in` or `expires_in`. ERCOT documents one hour. */
  id_token_expires_in: z.coerce.number().positive().optional(),
  expires_in: z.coerce.number().positive().optional(),
});

export class ErcotApiError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`ERCOT API ${status} for ${url}: ${body.slice(0, 200)}`);
    this.name = 'ErcotApiError';
  }
}

export interface ErcotApiClientOptions {
  readonly credentials: ErcotCredentialsSource;
  readonly clock: Clock;
  /** Waits; injected so tests step a manual clock instead of sleeping. */
  readonly sleep: (ms: number) => Promise<void>;
  /** [0, 1); injected so a test's jitter is known. */
  readonly random: () => number;
  /** @default ERCOT_API_BASE_URL */
  readonly baseUrl?: string;
  /** @default ERCOT_TOKEN_URL */
  readonly tokenUrl?: string;
  /** @default 5 */
  readonly maxAttempts?: number;
  /** First retry's base delay, doubled each attempt. @default 1000 */
  readonly backoffBaseMs?: number;
  /** @default 60_000 */
  readonly backoffCapMs?: number;
  /** @default ERCOT_MIN_REQUEST_SPACING_MS */
  readonly minRequestSpacingMs?: number;
  /** Rows per page. @default 10_000 */
  readonly pageSize?: number;
}

/** A token is renewed this long before ERCOT would reject it, so a run never starts with one about to lapse. */
const TOKEN_MARGIN_MS = 5 * 60_000;
const RETRYABLE = (status: number) => status === 429 || status >= 500;

/** Seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Exponential backoff with "equal jitter": half the capped delay fixed, half random, so retries spread out. */
export function backoffMs(attempt: number, random: number, baseMs: number, capMs: number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** attempt);
  return ceiling / 2 + random * (ceiling / 2);
}

export class ErcotPublicApiClient {
  private token: { value: string; expiresAtMs: number } | undefined;
  private nextRequestAtMs = 0;

  constructor(private readonly options: ErcotApiClientOptions) {}

  /** Every row of a report for the query, across its pages, as records keyed by field name. */
  async records(reportPath: string, query: Readonly<Record<string, string>>): Promise<Array<Record<string, unknown>>> {
    const rows: Array<Record<string, unknown>> = [];
    for (let page = 1; ; page += 1) {
      const url = new URL(`${this.options.baseUrl ?? ERCOT_API_BASE_URL}${reportPath}`);
      for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
      url.searchParams.set('page', String(page));
      url.searchParams.set('size', String(this.options.pageSize ?? 10_000));
      const body = await this.getJson(url.toString());
      const parsed = ercotApiPageSchema.safeParse(body);
      if (!parsed.success) throw new Error(`${reportPath} page ${page}: unexpected shape: ${parsed.error.message}`);
      rows.push(...pageRecords(parsed.data));
      if (page >= parsed.data._meta.totalPages) return rows;
    }
  }

  private async getJson(url: string): Promise<unknown> {
    const { subscriptionKey } = await this.options.credentials.credentials();
    const response = await this.withRetries(url, async () =>
      fetch(url, {
        headers: {
          'Ocp-Apim-Subscription-Key': subscriptionKey,
          Authorization: `Bearer ${await this.idToken()}`,
          Accept: 'application/json',
        },
      }),
    );
    return response.json();
  }

  /** The cached ID token, or a new one when none is held or it is about to lapse. Never written anywhere. */
  private async idToken(): Promise<string> {
    const nowMs = this.options.clock.nowMs();
    if (this.token && nowMs < this.token.expiresAtMs - TOKEN_MARGIN_MS) return this.token.value;
    const { username, password } = await this.options.credentials.credentials();
    const tokenUrl = this.options.tokenUrl ?? ERCOT_TOKEN_URL;
    const response = await this.withRetries(tokenUrl, () =>
      fetch(tokenUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          username,
          password,
          grant_type: 'password',
          scope: `openid ${ERCOT_CLIENT_ID} offline_access`,
          client_id: ERCOT_CLIENT_ID,
          response_type: 'id_token',
        }),
      }),
    );
    const parsed = tokenResponseSchema.parse(await response.json());
    const lifetimeS = parsed.id_token_expires_in ?? parsed.expires_in ?? 3600;
    this.token = { value: parsed.id_token, expiresAtMs: nowMs + lifetimeS * 1000 };
    return parsed.id_token;
  }

  /**
   * One request under the rate limit, retried on 429, 5xx and network failures with backoff and jitter (a
   * Retry-After from ERCOT wins over the computed delay); a 401 drops the token so the next attempt signs in again.
   */
  private async withRetries(url: string, send: () => Promise<Response>): Promise<Response> {
    const { clock, sleep, random } = this.options;
    const maxAttempts = this.options.maxAttempts ?? 5;
    for (let attempt = 0; ; attempt += 1) {
      await this.awaitRateLimit();
      let failure: { status: number; body: string; retryAfter: string | null };
      try {
        const response = await send();
        if (response.ok) return response;
        failure = {
          status: response.status,
          body: await response.text(),
          retryAfter: response.headers.get('retry-after'),
        };
      } catch (error) {
        // The sign-in inside `send` has had its own retries: its verdict stands.
        if (error instanceof ErcotApiError) throw error;
        failure = { status: 0, body: String(error), retryAfter: null };
      }
      if (failure.status === 401) this.token = undefined;
      const retryable = failure.status === 0 || failure.status === 401 || RETRYABLE(failure.status);
      if (!retryable || attempt + 1 >= maxAttempts) throw new ErcotApiError(url, failure.status, failure.body);
      const delayMs =
        retryAfterMs(failure.retryAfter, clock.nowMs()) ??
        backoffMs(attempt, random(), this.options.backoffBaseMs ?? 1000, this.options.backoffCapMs ?? 60_000);
      await sleep(delayMs);
    }
  }

  private async awaitRateLimit(): Promise<void> {
    const nowMs = this.options.clock.nowMs();
    if (nowMs < this.nextRequestAtMs) await this.options.sleep(this.nextRequestAtMs - nowMs);
    this.nextRequestAtMs =
      Math.max(nowMs, this.nextRequestAtMs) + (this.options.minRequestSpacingMs ?? ERCOT_MIN_REQUEST_SPACING_MS);
  }
}
