import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures, Stripe-style: `HCP-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * The timestamp is inside the signed text, so a captured delivery cannot be replayed later than the receiver's
 * tolerance with a fresh `t`. Pure: the caller passes the time (no clock in here).
 */
export const SIGNATURE_HEADER = 'HCP-Signature';
export const SIGNATURE_SCHEME = 'v1';
/** Stripe's default: five minutes either side absorbs clock skew and the receiver's queueing. */
export const DEFAULT_TOLERANCE_S = 300;

export type RawBody = string | Uint8Array;

/** The hex HMAC-SHA256 of `<timestampS>.<rawBody>` under `secret`. */
export function signatureOf(secret: string, timestampS: number, rawBody: RawBody): string {
  return createHmac('sha256', secret)
    .update(`${timestampS}.`, 'utf8')
    .update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody)
    .digest('hex');
}

/** The `HCP-Signature` header value for a delivery sent at `nowS`. */
export function signWebhook(secret: string, rawBody: RawBody, nowS: number): string {
  const t = Math.floor(nowS);
  return `t=${t},${SIGNATURE_SCHEME}=${signatureOf(secret, t, rawBody)}`;
}

export type SignatureVerification =
  | { readonly ok: true; readonly timestampS: number }
  | {
      readonly ok: false;
      readonly reason: 'malformed-header' | 'bad-signature' | 'too-old';
      readonly message: string;
    };

interface ParsedHeader {
  readonly timestampS: number;
  readonly signatures: readonly Buffer[];
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** `t=` once, one or more `v1=` (a sender may sign with two secrets); other schemes are ignored, as Stripe does. */
function parseHeader(header: string): ParsedHeader | string {
  if (header.length > 1024) return 'header longer than 1024 characters';
  let timestampS: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return `"${part.trim()}" is not key=value`;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (timestampS !== undefined || !/^\d{1,12}$/.test(value)) return 't must appear once, as unix seconds';
      timestampS = Number(value);
    } else if (key === SIGNATURE_SCHEME) {
      if (!HEX_SHA256.test(value)) return `${SIGNATURE_SCHEME} must be 64 lower-case hex characters`;
      signatures.push(Buffer.from(value, 'hex'));
    }
  }
  if (timestampS === undefined) return 'no t= timestamp';
  if (signatures.length === 0) return `no ${SIGNATURE_SCHEME}= signature`;
  return { timestampS, signatures };
}

/**
 * Checks a received delivery: the header parses, one `v1` matches the HMAC of the raw body (compared in constant
 * time), and `t` is within `toleranceS` of `nowS` (either side). The body must be the bytes as received, before any
 * JSON parsing: re-serialising changes them.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined,
  rawBody: RawBody,
  nowS: number,
  toleranceS = DEFAULT_TOLERANCE_S,
): SignatureVerification {
  if (header === undefined || header === '') {
    return { ok: false, reason: 'malformed-header', message: `no ${SIGNATURE_HEADER} header` };
  }
  const parsed = parseHeader(header);
  if (typeof parsed === 'string') return { ok: false, reason: 'malformed-header', message: parsed };
  const expected = Buffer.from(signatureOf(secret, parsed.timestampS, rawBody), 'hex');
  // Every candidate is compared (no early exit) so the time taken does not say which one matched.
  const matched = parsed.signatures.reduce((found, candidate) => timingSafeEqual(candidate, expected) || found, false);
  if (!matched) return { ok: false, reason: 'bad-signature', message: 'no signature matches the body and secret' };
  const ageS = Math.abs(nowS - parsed.timestampS);
  if (ageS > toleranceS) {
    return { ok: false, reason: 'too-old', message: `timestamp ${ageS} s from now, tolerance ${toleranceS} s` };
  }
  return { ok: true, timestampS: parsed.timestampS };
}
