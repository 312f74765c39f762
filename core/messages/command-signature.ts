import { canonicalJson } from '../api/canonical.js';
import type { Command } from './command.js';

/**
 * A command's signature: JWS compact serialisation (RFC 7515) with a detached payload (RFC 7515 appendix F), ES256
 * (ECDSA P-256 with SHA-256, RFC 7518 §3.4: the signature is r‖s, 32 bytes each, not DER). The payload is the
 * canonical JSON of the command without `taskToken` (Step Functions adds it when it publishes) and without the
 * signature itself, so the message carries `header..signature` and the gateway rebuilds the payload from what it got.
 * The header names the key (`kid`): two keys may be valid at once while one is rotated out. Pure.
 */

export const COMMAND_JWS_ALG = 'ES256';

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

/** The bytes the signer signs: `BASE64URL(header) . BASE64URL(payload)`. */
export function commandSigningInput(
  command: Command,
  kid: string,
): { readonly header: string; readonly input: string } {
  const { taskToken: _token, signature: _signature, ...signed } = command;
  const header = b64url(JSON.stringify({ alg: COMMAND_JWS_ALG, kid }));
  return { header, input: `${header}.${b64url(canonicalJson(signed))}` };
}

/** The detached JWS from the header and the raw (r‖s) signature. */
export const detachedJws = (header: string, signatureRs: Uint8Array): string => `${header}..${b64url(signatureRs)}`;

export type ReadSignature =
  | { readonly ok: true; readonly kid: string; readonly input: string; readonly signatureRs: Buffer }
  | { readonly ok: false; readonly detail: string };

/** Splits a command's detached JWS and rebuilds the signing input from the command as received. */
export function readCommandSignature(command: Command): ReadSignature {
  if (!command.signature) return { ok: false, detail: 'unsigned command' };
  const parts = command.signature.split('.');
  if (parts.length !== 3 || parts[1] !== '') return { ok: false, detail: 'signature is not a detached JWS' };
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8'));
  } catch {
    return { ok: false, detail: 'signature header is not JSON' };
  }
  const { alg, kid } = (header ?? {}) as { alg?: unknown; kid?: unknown };
  if (alg !== COMMAND_JWS_ALG) return { ok: false, detail: `signature alg ${String(alg)} is not ${COMMAND_JWS_ALG}` };
  if (typeof kid !== 'string' || kid === '') return { ok: false, detail: 'signature header names no kid' };
  const signatureRs = Buffer.from(parts[2] ?? '', 'base64url');
  if (signatureRs.length !== 64) return { ok: false, detail: 'ES256 signature is not 64 bytes' };
  // The header is re-encoded exactly as received: the signer's bytes, not a re-serialisation.
  const { input } = commandSigningInput(command, kid);
  return { ok: true, kid, input: `${parts[0]}${input.slice(input.indexOf('.'))}`, signatureRs };
}

/**
 * An ECDSA signature in DER (what AWS KMS `Sign` returns: SEQUENCE { INTEGER r, INTEGER s }) as JWS's r‖s, each
 * left-padded to 32 bytes. Throws on anything that is not such a DER sequence.
 */
export function derToRs(der: Uint8Array): Buffer {
  const bytes = Buffer.from(der);
  let offset = 0;
  const expect = (tag: number) => {
    if (bytes[offset] !== tag) throw new RangeError(`DER: expected tag 0x${tag.toString(16)} at ${offset}`);
    offset += 1;
    let length = bytes[offset] ?? 0;
    offset += 1;
    if (length & 0x80) {
      const lengthBytes = length & 0x7f;
      length = bytes.readUIntBE(offset, lengthBytes);
      offset += lengthBytes;
    }
    return length;
  };
  expect(0x30);
  const integer = () => {
    const length = expect(0x02);
    const value = bytes.subarray(offset, offset + length);
    offset += length;
    const first = value.findIndex((b) => b !== 0);
    const trimmed = first < 0 ? Buffer.alloc(0) : value.subarray(first);
    if (trimmed.length > 32) throw new RangeError('DER: integer longer than 32 bytes');
    return Buffer.concat([Buffer.alloc(32 - trimmed.length), trimmed]);
  };
  return Buffer.concat([integer(), integer()]);
}
