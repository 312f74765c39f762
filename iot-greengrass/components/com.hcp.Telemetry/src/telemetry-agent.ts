import type { DeviceMetric, TelemetryBatch } from '../../../../core/messages/telemetry.js';
import { siteTopic } from '../../../../core/messages/topics.js';
import type { Clock } from '../../../../core/support/clock.js';
import { mapWithConcurrency } from '../../../adapters/asic/fan-out.js';
import type { DeviceDriver, DeviceReading, GatewayDevice } from '../../../adapters/device-port.js';
import type { MessagingPort } from '../../../adapters/messaging/port.js';
import type { TelemetryConfig } from './config.js';
import { DiskSpool, type SpoolFs } from './spool.js';

export interface TelemetryDeps {
  readonly config: TelemetryConfig;
  readonly devices: readonly GatewayDevice[];
  readonly driver: DeviceDriver;
  readonly messaging: MessagingPort;
  readonly clock: Clock;
  readonly spoolDir: string;
  /** @default node:fs (tests pass a disk that fills up) */
  readonly spoolFs?: SpoolFs;
  readonly log?: (event: string, detail: Record<string, unknown>) => void;
  /** Each reading, for the SwitchAgent's state confirmation. */
  readonly onReading?: (device: GatewayDevice, reading: DeviceReading) => void;
}

export interface TelemetryView {
  readonly nextBatchSeq: number;
  readonly spooled: number;
  readonly droppedBatches: number;
  /** Batches the disk refused (ENOSPC and other write errors): dropped, numbered by nobody, so no gap follows. */
  readonly droppedOnWriteError: number;
  readonly published: number;
  readonly failedReads: number;
  readonly lastPollMetrics: number;
}

/**
 * com.hcp.Telemetry: polls every device, batches the readings, and publishes each batch with QoS 1 from a disk spool.
 * Every batch goes through the spool, online or not, so delivery order is the spool's order; one batch is in flight
 * at a time and leaves the spool only when the broker has acknowledged it.
 */
export class TelemetryAgent {
  private readonly spool: DiskSpool;
  private inFlightSeq: number | undefined;
  private flushing: Promise<void> | undefined;
  private published = 0;
  private failedReads = 0;
  private lastPollMetrics = 0;
  private droppedOnWriteError = 0;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly deps: TelemetryDeps) {
    this.spool = new DiskSpool(
      deps.spoolDir,
      {
        maxBatches: deps.config.spoolMaxBatches,
        maxBytes: deps.config.spoolMaxBytes,
      },
      deps.spoolFs,
    );
  }

  start(options: { readonly autoPoll?: boolean } = {}): void {
    this.unsubscribe = this.deps.messaging.onConnectionChange((connected) => {
      if (connected) void this.flush();
    });
    if (options.autoPoll ?? true) {
      // A poll that fails (a device driver bug) is logged; the next one runs: telemetry must not take the process down.
      this.timer = setInterval(
        () =>
          void this.poll().catch((error: unknown) =>
            this.deps.log?.('telemetry-poll-failed', { error: String(error) }),
          ),
        this.deps.config.pollPeriodMs,
      );
      this.timer.unref();
    }
    void this.flush();
  }

  /** Reads every device once and spools the batches; returns the number of metrics. */
  async poll(): Promise<number> {
    const { config, devices, driver, clock } = this.deps;
    const readings = await mapWithConcurrency(devices, config.concurrency, async (device) => {
      const result = await driver.read(device);
      if (!result.ok) {
        this.failedReads += 1;
        return undefined;
      }
      this.deps.onReading?.(device, result.value);
      return toMetric(device, result.value, new Date(clock.nowMs()).toISOString());
    });
    const metrics = readings.filter((m): m is DeviceMetric => m !== undefined);
    const sitePowerKw = metrics.reduce((kw, m) => kw + m.powerW, 0) / 1000;
    for (let start = 0; start < Math.max(1, metrics.length); start += config.maxMetricsPerBatch) {
      this.enqueue(metrics.slice(start, start + config.maxMetricsPerBatch), sitePowerKw);
    }
    this.lastPollMetrics = metrics.length;
    void this.flush();
    return metrics.length;
  }

  /**
   * Spools the metrics as one batch, or, when its JSON exceeds `maxBatchBytes`, as two halves (each split again as
   * needed). A sequence number is taken only by a batch that fits, so the numbers stay contiguous.
   */
  private enqueue(metrics: DeviceMetric[], sitePowerKw: number): void {
    const batch: TelemetryBatch = {
      siteId: this.deps.config.siteId,
      gatewayId: this.deps.config.gatewayId,
      batchSeq: this.spool.nextSeq,
      sentAt: new Date(this.deps.clock.nowMs()).toISOString(),
      sitePowerKw,
      metrics,
      droppedBatches: this.spool.dropped,
    };
    const payload = JSON.stringify(batch);
    if (metrics.length > 1 && Buffer.byteLength(payload) > this.deps.config.maxBatchBytes) {
      const half = Math.ceil(metrics.length / 2);
      this.enqueue(metrics.slice(0, half), sitePowerKw);
      this.enqueue(metrics.slice(half), sitePowerKw);
      return;
    }
    // Synchronous since `nextSeq` was read, so the number taken is the one in the payload.
    try {
      this.spool.appendNext(payload, this.inFlightSeq);
    } catch (error) {
      // A full disk: this batch is lost, counted, and the agent goes on; the next batch takes the same number.
      this.droppedOnWriteError += 1;
      this.deps.log?.('telemetry-batch-dropped', {
        code: (error as NodeJS.ErrnoException).code,
        droppedOnWriteError: this.droppedOnWriteError,
      });
    }
  }

  /** Publishes the spool head by head while connected; resolves when the spool is empty or the link is down. */
  flush(): Promise<void> {
    this.flushing ??= (async () => {
      // Yield first: a synchronous pass would clear `flushing` before it is assigned.
      await Promise.resolve();
      try {
        const topic = this.deps.config.topic ?? siteTopic(this.deps.config.siteId, 'telemetry');
        for (let head = this.spool.peek(); head && !this.stopped; head = this.spool.peek()) {
          if (!this.deps.messaging.isConnected()) return;
          this.inFlightSeq = head.seq;
          try {
            await this.deps.messaging.publish('cloud', topic, head.payload, 1);
          } catch {
            return;
          }
          this.spool.remove(head.seq);
          this.published += 1;
        }
      } finally {
        this.inFlightSeq = undefined;
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }

  view(): TelemetryView {
    return {
      nextBatchSeq: this.spool.nextSeq,
      spooled: this.spool.size,
      droppedBatches: this.spool.dropped,
      droppedOnWriteError: this.droppedOnWriteError,
      published: this.published,
      failedReads: this.failedReads,
      lastPollMetrics: this.lastPollMetrics,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
  }
}

export function toMetric(device: GatewayDevice, reading: DeviceReading, at: string): DeviceMetric {
  return {
    deviceId: device.id,
    groupId: device.groupId,
    kind: device.kind,
    at,
    state: reading.state,
    powerW: Math.max(0, reading.powerW),
    ...(reading.hashrateThs !== undefined ? { hashrateThs: Math.max(0, reading.hashrateThs) } : {}),
    ...(reading.utilizationPct !== undefined ? { utilizationPct: reading.utilizationPct } : {}),
    ...(reading.temperatureC !== undefined ? { temperatureC: reading.temperatureC } : {}),
    ...(reading.memoryUsedMb !== undefined ? { memoryUsedMb: reading.memoryUsedMb } : {}),
  };
}
