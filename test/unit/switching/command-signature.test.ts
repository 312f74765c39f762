import { createHash, generateKeyPairSync, sign as nodeSign, verify } from 'node:crypto';
import { Readable } from 'node:stream';
import { KMSClient } from '@aws-sdk/client-kms';
import fc from 'fast-check';
import { derToRs } from '../../../core/messages/command-signature.js';
import { buildSafeModeCommand } from '../../../core/switching/command.js';
import { KmsCommandSigner } from '../../../functions/switching/adapters/kms-command-signer.js';
import { LocalCommandSigner } from '../../../functions/switching/adapters/local-command-signer.js';
import { signCommand } from '../../../functions/switching/sign-command.js';
import { commandVerifier } from '../../../iot-greengrass/components/com.hcp.SwitchAgent/src/command-signature.js';

const NOW = Date.parse('2026-12-06T12:00:00Z');
const command = (seq: number) =>
  buildSafeModeCommand({
    siteId: 'site-west-1',
    commandId: '00000000-0000-4000-8000-000000000001',
    seq,
    epoch: 1,
    nowMs: NOW,
    reason: 'test',
  });

describe('command signatures (JWS ES256, detached)', () => {
  it('verifies under either of two listed keys while one is rotated out, and refuses the rest with the reason', async () => {
    // Prepare
    const old = LocalCommandSigner.generate('key-2026-11');
    const next = LocalCommandSigner.generate('key-2026-12');
    const stranger = LocalCommandSigner.generate('key-2026-12');
    const verify = commandVerifier(
      [
        { kid: 'key-2026-11', publicKeyPem: old.publicKeyPem },
        { kid: 'key-2026-12', publicKeyPem: next.publicKeyPem },
      ],
      true,
    );

    // Act
    const byOld = await signCommand(command(1), old.signer);
    const byNext = await signCommand(command(2), next.signer);
    const byStranger = await signCommand(command(3), stranger.signer);
    const tampered = { ...byNext, seq: 1016 };
    const withToken = { ...byNext, taskToken: 'added-by-step-functions' };

    // Assess
    expect(verify(byOld)).toBeUndefined();
    expect(verify(byNext)).toBeUndefined();
    expect(verify(withToken)).toBeUndefined();
    expect(verify(byStranger)).toBe('signature does not verify under key-2026-12');
    expect(verify(tampered)).toBe('signature does not verify under key-2026-12');
    expect(verify(command(4))).toBe('unsigned command');
    expect(verify({ ...byOld, signature: byOld.signature?.replace('..', '.e30.') })).toBe(
      'signature is not a detached JWS',
    );
  });

  it('turns any DER ECDSA signature into the 64-byte r‖s that verifies', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    fc.assert(
      fc.property(fc.string(), (text) => {
        const der = nodeSign('sha256', Buffer.from(text), privateKey);
        const rs = derToRs(der);
        expect(rs).toHaveLength(64);
        expect(verify('sha256', Buffer.from(text), { key: publicKey, dsaEncoding: 'ieee-p1363' }, rs)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('asks KMS to sign the SHA-256 digest with ECDSA_SHA_256 and returns r‖s (the request the SDK serialises)', async () => {
    // Prepare: a request handler that captures the serialised request and answers as KMS would, without a network.
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const requests: Array<{ target: string; body: Record<string, string> }> = [];
    const kms = new KMSClient({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      requestHandler: {
        handle: async (request: { headers: Record<string, string>; body: string }) => {
          const body = JSON.parse(request.body) as Record<string, string>;
          requests.push({ target: request.headers['x-amz-target'] ?? '', body });
          const der = nodeSign(null, Buffer.from(body.Message ?? '', 'base64'), {
            key: privateKey,
            dsaEncoding: 'der',
          });
          return {
            response: {
              statusCode: 200,
              headers: { 'content-type': 'application/x-amz-json-1.1' },
              body: Readable.from([
                JSON.stringify({
                  KeyId: body.KeyId,
                  Signature: der.toString('base64'),
                  SigningAlgorithm: 'ECDSA_SHA_256',
                }),
              ]),
            },
          };
        },
      } as never,
    });
    const signer = new KmsCommandSigner(kms, 'arn:aws:kms:eu-west-1:111122223333:key/abcd');

    // Act
    const signature = await signer.sign('header.payload');

    // Assess
    expect(requests).toEqual([
      {
        target: 'TrentService.Sign',
        body: {
          KeyId: 'arn:aws:kms:eu-west-1:111122223333:key/abcd',
          Message: createHash('sha256').update('header.payload').digest('base64'),
          MessageType: 'DIGEST',
          SigningAlgorithm: 'ECDSA_SHA_256',
        },
      },
    ]);
    expect(signature).toHaveLength(64);
  });
});
