import { createPublicKey } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { traced } from '../shared/powertools.js';

/** Reads a KMS key's public half (DER SubjectPublicKeyInfo); a port so the handler is tested without AWS. */
export type PublicKeyReader = (keyId: string) => Promise<Uint8Array>;

export interface CommandPublicKeyResult {
  readonly PhysicalResourceId: string;
  readonly Data?: { readonly PublicKeyPem: string };
}

/**
 * The custom resource that hands the gateways the SwitchFlow signing key's public key (stacks/constructs/
 * command-signing-key.ts): KMS answers DER, the SwitchAgent's `commandKeys` take PEM. CDK's AwsCustomResource cannot
 * return KMS's binary `PublicKey` (aws/aws-cdk#19065), hence this small handler. Deleting it deletes nothing.
 */
export async function commandPublicKey(
  event: CloudFormationCustomResourceEvent,
  readPublicKey: PublicKeyReader,
): Promise<CommandPublicKeyResult> {
  const keyId = event.ResourceProperties.KeyId;
  if (typeof keyId !== 'string' || keyId.length === 0) throw new Error('ResourceProperties.KeyId: required');
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
  const der = await readPublicKey(keyId);
  const pem = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' }).export({
    type: 'spki',
    format: 'pem',
  });
  return { PhysicalResourceId: keyId, Data: { PublicKeyPem: String(pem) } };
}

const kms = traced(new KMSClient({}));

async function readFromKms(keyId: string): Promise<Uint8Array> {
  const answer = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
  if (!answer.PublicKey) throw new Error(`KMS GetPublicKey ${keyId}: no public key`);
  return answer.PublicKey;
}

export const handler = (event: CloudFormationCustomResourceEvent) => commandPublicKey(event, readFromKms);
