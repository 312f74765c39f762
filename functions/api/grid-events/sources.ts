import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { S3EvidenceArchive } from '../../grid-events/adapters/s3-evidence-archive.js';
import type { EvidenceArchive } from '../../grid-events/ports.js';
import { configGetter } from '../../shared/config.js';
import { DynamoGridEventStore } from '../../shared/data/grid-event-store.js';
import { DynamoSiteSeriesStore } from '../../shared/data/site-series-store.js';
import { DynamoSwitchLogStore } from '../../shared/data/switch-log-store.js';
import { traced } from '../../shared/powertools.js';
import type { ApiRuntime } from '../runtime.js';

const config = configGetter(
  z.object({
    EVIDENCE_BUCKET: z.string().min(1),
    /** Days each document is locked in compliance mode (the bucket's default retention is the floor). */
    EVIDENCE_RETENTION_DAYS: z.coerce.number().int().positive(),
  }),
);

let localArchive: EvidenceArchive | undefined;
let s3: S3Client | undefined;

/** The local platform's write-once files instead of the S3 bucket. Never called in AWS. */
export function useLocalEvidenceArchive(archive: EvidenceArchive | undefined): void {
  localArchive = archive;
}

/** The grid-event routes' sources on the API's table, and the evidence archive (read from the environment in AWS). */
export function gridEventSources(runtime: ApiRuntime) {
  const deps = { client: runtime.client, tableName: runtime.tableName };
  return {
    events: new DynamoGridEventStore(deps),
    telemetry: new DynamoSiteSeriesStore(deps),
    switches: new DynamoSwitchLogStore(deps),
    archive: (): EvidenceArchive => {
      if (localArchive) return localArchive;
      const { EVIDENCE_BUCKET, EVIDENCE_RETENTION_DAYS } = config();
      s3 ??= traced(new S3Client({}));
      return new S3EvidenceArchive({
        client: s3,
        bucket: EVIDENCE_BUCKET,
        retentionDays: EVIDENCE_RETENTION_DAYS,
        clock: runtime.clock,
      });
    },
  };
}
