import { generateKeyPairSync } from 'node:crypto';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { commandPublicKey } from '../../../functions/deploy/command-public-key.js';

const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const der = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));

function event(requestType: 'Create' | 'Update' | 'Delete', keyId = 'key-1'): CloudFormationCustomResourceEvent {
  return {
    RequestType: requestType,
    PhysicalResourceId: 'key-1',
    ResourceProperties: { ServiceToken: 'arn', KeyId: keyId },
  } as unknown as CloudFormationCustomResourceEvent;
}

describe('the command key custom resource', () => {
  it("hands the gateways KMS's DER public key as the PEM their commandKeys take, under the key id", async () => {
    // Act
    const result = await commandPublicKey(event('Create'), async () => der);

    // Assess
    expect(result.PhysicalResourceId).toBe('key-1');
    expect(result.Data?.PublicKeyPem).toBe(publicKey.export({ type: 'spki', format: 'pem' }));
  });

  it('reads nothing on delete and refuses an event without a key id', async () => {
    // Prepare
    const reads: string[] = [];
    const reader = async (keyId: string) => {
      reads.push(keyId);
      return der;
    };

    // Act
    const deleted = await commandPublicKey(event('Delete'), reader);

    // Assess
    expect(deleted).toEqual({ PhysicalResourceId: 'key-1' });
    expect(reads).toEqual([]);
    await expect(commandPublicKey(event('Update', ''), reader)).rejects.toThrow('ResourceProperties.KeyId');
  });
});
