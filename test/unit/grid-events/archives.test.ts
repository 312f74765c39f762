import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { FileEvidenceArchive } from '../../../functions/grid-events/adapters/file-evidence-archive.js';
import { S3EvidenceArchive } from '../../../functions/grid-events/adapters/s3-evidence-archive.js';

const NOW_MS = Date.parse('2026-12-07T00:00:00Z');

/** A stand-in S3 that keeps objects and answers a second If-None-Match PUT of a key with 412, as S3 does. */
function fakeS3() {
  const objects = new Map<string, Uint8Array>();
  const puts: PutObjectCommand['input'][] = [];
  const client = {
    send: async (command: unknown) => {
      if (command instanceof PutObjectCommand) {
        puts.push(command.input);
        const key = command.input.Key as string;
        if (objects.has(key) && command.input.IfNoneMatch === '*') {
          throw Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
            name: 'PreconditionFailed',
            $metadata: { httpStatusCode: 412 },
          });
        }
        objects.set(key, command.input.Body as Uint8Array);
        return {};
      }
      if (command instanceof GetObjectCommand) {
        const bytes = objects.get(command.input.Key as string);
        if (!bytes) throw Object.assign(new Error('no such key'), { name: 'NoSuchKey' });
        return { Body: { transformToByteArray: async () => bytes } };
      }
      throw new Error('unexpected command');
    },
  };
  return { client: client as unknown as S3Client, puts };
}

describe('the S3 evidence archive', () => {
  it('writes once, in compliance mode until the retention date, and returns the stored copy to a second writer', async () => {
    // Prepare
    const s3 = fakeS3();
    const archive = new S3EvidenceArchive({
      client: s3.client,
      bucket: 'b',
      retentionDays: 10,
      clock: { nowMs: () => NOW_MS },
    });
    // Act
    const first = await archive.putOnce('grid-events/s/e.json', Buffer.from('{"a":1}'), 'application/json');
    const second = await archive.putOnce('grid-events/s/e.json', Buffer.from('{"a":2}'), 'application/json');
    // Assess
    expect(first).toEqual({ outcome: 'stored' });
    expect(second).toEqual({ outcome: 'exists', bytes: Buffer.from('{"a":1}') });
    expect(s3.puts[0]).toMatchObject({
      IfNoneMatch: '*',
      ObjectLockMode: 'COMPLIANCE',
      ObjectLockRetainUntilDate: new Date(NOW_MS + 10 * 86_400_000),
      ChecksumAlgorithm: 'SHA256',
    });
    expect(await archive.get('grid-events/s/missing.json')).toBeUndefined();
  });
});

describe('the local write-once evidence archive', () => {
  it('refuses to replace a document and refuses keys that leave its folder', async () => {
    // Prepare
    const archive = new FileEvidenceArchive(mkdtempSync(path.join(tmpdir(), 'hcp-archive-')));
    // Act
    await archive.putOnce('grid-events/s/e.json', Buffer.from('first'));
    const again = await archive.putOnce('grid-events/s/e.json', Buffer.from('second'));
    // Assess
    expect(again).toEqual({ outcome: 'exists', bytes: Buffer.from('first') });
    expect(await archive.get('grid-events/s/e.json')).toEqual(Buffer.from('first'));
    await expect(archive.putOnce('../escape.json', Buffer.from('x'))).rejects.toThrow(/leaves the archive/);
  });
});
