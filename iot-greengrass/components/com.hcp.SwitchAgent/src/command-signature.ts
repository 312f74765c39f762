import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import type { Command } from '../../../../core/messages/command.js';
import { readCommandSignature } from '../../../../core/messages/command-signature.js';

/** A public key the gateway trusts for commands, as its configuration lists it. */
export interface CommandKey {
  readonly kid: string;
  readonly publicKeyPem: string;
}

/**
 * Checks a command's ES256 signature against the configured keys: unsigned, an unknown `kid` or a signature that does
 * not verify are refused with the reason. Several keys may be listed at once, so a key is rotated by adding the new
 * one, switching the signer, then removing the old one. Returns undefined when the command may go on.
 */
export type CommandVerifier = (command: Command) => string | undefined;

export function commandVerifier(keys: readonly CommandKey[], required: boolean): CommandVerifier {
  const byKid = new Map<string, KeyObject>(keys.map((k) => [k.kid, createPublicKey(k.publicKeyPem)]));
  if (byKid.size === 0 && !required) return () => undefined;
  return (command) => {
    const read = readCommandSignature(command);
    if (!read.ok) return read.detail;
    const key = byKid.get(read.kid);
    if (!key) return `no configured key ${read.kid}`;
    const good = verify(
      'sha256',
      Buffer.from(read.input, 'utf8'),
      { key, dsaEncoding: 'ieee-p1363' },
      read.signatureRs,
    );
    return good ? undefined : `signature does not verify under ${read.kid}`;
  };
}
