import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import type { CommandSigner } from '../ports.js';

/** The local platform's signer: a P-256 key it generates at start; gateways get the public key in their config. */
export class LocalCommandSigner implements CommandSigner {
  constructor(
    readonly kid: string,
    private readonly privateKey: KeyObject,
  ) {}

  /** A fresh key pair under `kid`; `publicKeyPem` goes into the gateways' `commandKeys`. */
  static generate(kid: string): { readonly signer: LocalCommandSigner; readonly publicKeyPem: string } {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return {
      signer: new LocalCommandSigner(kid, privateKey),
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    };
  }

  async sign(input: string): Promise<Uint8Array> {
    return sign('sha256', Buffer.from(input, 'utf8'), { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
  }
}
