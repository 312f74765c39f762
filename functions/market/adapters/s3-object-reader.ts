import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { traced } from '../../shared/powertools.js';
import type { ObjectReader } from './csv-series.js';

export function createS3Client(): S3Client {
  return traced(new S3Client({}));
}

/** CSV objects of the `csv` market source, read from one bucket. */
export class S3ObjectReader implements ObjectReader {
  constructor(private readonly deps: { readonly client: S3Client; readonly bucket: string }) {}

  async readText(key: string): Promise<string> {
    const result = await this.deps.client.send(new GetObjectCommand({ Bucket: this.deps.bucket, Key: key }));
    if (!result.Body) throw new Error(`s3://${this.deps.bucket}/${key} has no body`);
    return result.Body.transformToString('utf8');
  }
}
