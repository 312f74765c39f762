import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Clock } from '../../../core/support/clock.js';
import type { ArchiveResult, EvidenceArchive } from '../ports.js';

/**
 * Evidence in S3 with Object Lock: each document is written with `If-None-Match: *` (S3 conditional writes: a second
 * PUT of the key fails with 412 instead of replacing it) and an explicit COMPLIANCE retention until `retentionDays`
 * from now, on top of the bucket's default retention (stacks/constructs/evidence-bucket.ts): no one, root included,
 * can delete or overwrite the version before then.
 */
export class S3EvidenceArchive implements EvidenceArchive {
  constructor(
    private readonly deps: {
      readonly client: S3Client;
      readonly bucket: string;
      readonly retentionDays: number;
      readonly clock: Clock;
    },
  ) {}

  async putOnce(key: string, bytes: Buffer, contentType: string): Promise<ArchiveResult> {
    const { client, bucket, retentionDays, clock } = this.deps;
    try {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: bytes,
          ContentType: contentType,
          IfNoneMatch: '*',
          ObjectLockMode: 'COMPLIANCE',
          ObjectLockRetainUntilDate: new Date(clock.nowMs() + retentionDays * 86_400_000),
          // Object Lock PUTs need an integrity checksum.
          ChecksumAlgorithm: 'SHA256',
        }),
      );
      return { outcome: 'stored' };
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status !== 412 && (error as Error).name !== 'PreconditionFailed') throw error;
      const bytesStored = await this.get(key);
      if (!bytesStored) throw error;
      return { outcome: 'exists', bytes: bytesStored };
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      const { Body } = await this.deps.client.send(new GetObjectCommand({ Bucket: this.deps.bucket, Key: key }));
      return Body ? Buffer.from(await Body.transformToByteArray()) : undefined;
    } catch (error) {
      if (error instanceof NoSuchKey || (error as Error).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }
}
