import { createHash } from 'node:crypto';
import { type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { derToRs } from '../../../core/messages/command-signature.js';
import type { CommandSigner } from '../ports.js';

/**
 * Signs with an asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY): the private key never leaves KMS. The digest is
 * computed here and sent as `MessageType: DIGEST`, because a plan command can exceed KMS's 4 KB raw-message limit;
 * KMS answers DER, which JWS wants as r‖s.
 */
export class KmsCommandSigner implements CommandSigner {
  constructor(
    private readonly kms: KMSClient,
    /** The key's id or ARN; also the `kid` the gateways list its public key under. */
    readonly kid: string,
  ) {}

  async sign(input: string): Promise<Uint8Array> {
    const result = await this.kms.send(
      new SignCommand({
        KeyId: this.kid,
        Message: createHash('sha256').update(input, 'utf8').digest(),
        MessageType: 'DIGEST',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    if (!result.Signature) throw new Error(`KMS Sign with ${this.kid} returned no signature`);
    return derToRs(result.Signature);
  }
}
