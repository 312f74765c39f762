import { HttpError } from '../../shared/http.js';
import type { TelemetryQueryRunner } from '../../telemetry-history/ports.js';

let localRunner: TelemetryQueryRunner | undefined;
let cloudRunner: (() => TelemetryQueryRunner) | undefined;
let cloudRegionRunners: (() => readonly TelemetryQueryRunner[]) | undefined;

/** The local platform's Parquet store (sim/local/telemetry-store.ts). Never called in AWS. */
export function useLocalTelemetryHistory(runner: TelemetryQueryRunner | undefined): void {
  localRunner = runner;
}

/**
 * The AWS side: the Athena adapter over the sink's Iceberg tables registers its factory here (read from the history
 * Lambda's environment on first use).
 */
export function useCloudTelemetryHistory(
  factory: (() => TelemetryQueryRunner) | undefined,
  everyRegion?: () => readonly TelemetryQueryRunner[],
): void {
  cloudRunner = factory;
  cloudRegionRunners = everyRegion;
}

/** Where the history routes run their queries; a 503 naming what is missing when no store is wired. */
export function telemetryHistory(): TelemetryQueryRunner {
  const runner = localRunner ?? cloudRunner?.();
  if (!runner) throw new HttpError(503, 'history-unavailable', 'no telemetry history store is configured');
  return runner;
}

/**
 * Every region's store, this region's first, for the history merged across regions (`mergedSiteTelemetry`): in AWS
 * the factory registered for it, locally the one Parquet store.
 */
export function telemetryHistories(): readonly TelemetryQueryRunner[] {
  if (localRunner || !cloudRegionRunners) return [telemetryHistory()];
  return cloudRegionRunners();
}
