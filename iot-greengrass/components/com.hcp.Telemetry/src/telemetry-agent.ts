import { type DeviceMetric, type TelemetryBatch, telemetryAckSchema } from '../../../../core/messages/telemetry.js';
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
  /** The cloud's high-water mark as last heard (awaitCloudAck); -1 before the first. */
  readonly ackedThroughSeq: number;
  /** Batches sent and waiting for the mark to cover them. */
  readonly unacked: number;
  /** Batches sent again because the mark did not cover them in time or the link came back. */
  readonly resent: number;
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
  /** awaitCloudAck: when each spooled batch was last sent (ms); a batch not in here is sent by the next flush. */
  private readonly sentAtMs = new Map<number, number>();
  private ackedThroughSeq = -1;
  private resent = 0;
  private ackTimeoutMs: number;

  constructor(private readonly deps: TelemetryDeps) {
    this.spool = new DiskSpool(
      deps.spoolDir,
      {
        maxBatches: deps.config.spoolMaxBatches,
        maxBytes: deps.config.spoolMaxBytes,
      },
      deps.spoolFs,
    );
    this.ackTimeoutMs = this.initialAckTimeoutMs();
  }

  private initialAckTimeoutMs(): number {
    const { ackTimeoutMs, pollPeriodMs, maxAckTimeoutMs } = this.deps.config;
    return Math.min(ackTimeoutMs ?? 2 * pollPeriodMs, maxAckTimeoutMs);
  }

  private ackTopic(): string {
    return siteTopic(this.deps.config.siteId, 'telemetry-acks');
  }

  /**
   * The cloud's mark: every batch up to `ackedThroughSeq` is stored, so it leaves the spool. A mark at or past the
   * next number is from an earlier life of this spool (its counters were lost): ignored, the batches are re-sent.
   */
  acknowledge(ackedThroughSeq: number): void {
    if (ackedThroughSeq >= this.spool.nextSeq) {
      this.deps.log?.('telemetry-ack-ignored', { ackedThroughSeq, nextBatchSeq: this.spool.nextSeq });
      return;
    }
    if (ackedThroughSeq <= this.ackedThroughSeq) return;
    this.ackedThroughSeq = ackedThroughSeq;
    this.spool.removeThrough(ackedThroughSeq);
    for (const seq of this.sentAtMs.keys()) if (seq <= ackedThroughSeq) this.sentAtMs.delete(seq);
    this.ackTimeoutMs = this.initialAckTimeoutMs();
    void this.flush();
  }

  /** The oldest spooled batch not sent yet (or to be sent again). */
  private nextUnsent(): number | undefined {
    return this.spool.seqs().find((seq) => !this.sentAtMs.has(seq));
  }

  /** When the oldest sent batch has waited past the timeout, forget every send so the flush sends them again. */
  private resendIfOverdue(): void {
    if (this.sentAtMs.size === 0) return;
    const oldestSentAtMs = Math.min(...this.sentAtMs.values());
    if (this.deps.clock.nowMs() - oldestSentAtMs < this.ackTimeoutMs) return;
    this.deps.log?.('telemetry-resend', { unacked: this.sentAtMs.size, ackedThroughSeq: this.ackedThroughSeq });
    this.resent += this.sentAtMs.size;
    this.sentAtMs.clear();
    this.ackTimeoutMs = Math.min(2 * this.ackTimeoutMs, this.deps.config.maxAckTimeoutMs);
  }

  start(options: { readonly autoPoll?: boolean } = {}): void {
    this.unsubscribe = this.deps.messaging.onConnectionChange((connected) => {
      if (!connected) return;
      // Whatever was sent before the link dropped may be lost on the way: send it again.
      this.resent += this.sentAtMs.size;
      this.sentAtMs.clear();
      void this.flush();
    });
    if (this.deps.config.awaitCloudAck) {
      void this.deps.messaging
        .subscribe('cloud', this.ackTopic(), (_topic, payload) => this.onAck(payload))
        .catch((error: unknown) => this.deps.log?.('telemetry-ack-subscribe-failed', { error: String(error) }));
    }
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

  private onAck(payload: Buffer): void {
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      json = undefined;
    }
    const ack = telemetryAckSchema.safeParse(json);
    if (!ack.success || ack.data.gatewayId !== this.deps.config.gatewayId) {
      this.deps.log?.('telemetry-ack-rejected', { reason: ack.success ? 'another gateway' : ack.error.message });
      return;
    }
    this.acknowledge(ack.data.ackedThroughSeq);
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
      // A lower bound: the spool may drop more before this batch is written, never fewer.
      heldFromSeq: this.spool.seqs()[0] ?? this.spool.nextSeq,
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

  /**
   * Publishes the spool in order while connected; resolves when nothing is left to send or the link is down. Without
   * awaitCloudAck a batch leaves the spool at the broker's acknowledgement; with it, it stays until the cloud's mark
   * covers it, at most `maxUnackedBatches` are out at once, and the overdue are sent again.
   */
  flush(): Promise<void> {
    this.flushing ??= (async () => {
      // Yield first: a synchronous pass would clear `flushing` before it is assigned.
      await Promise.resolve();
      try {
        const { config } = this.deps;
        const topic = config.topic ?? siteTopic(config.siteId, 'telemetry');
        if (config.awaitCloudAck) this.resendIfOverdue();
        // Re-read each turn: batches spooled meanwhile are sent by this pass, acknowledged or dropped ones are not.
        for (let seq = this.nextUnsent(); seq !== undefined; seq = this.nextUnsent()) {
          if (this.stopped || !this.deps.messaging.isConnected()) return;
          if (config.awaitCloudAck && this.sentAtMs.size >= config.maxUnackedBatches) return;
          this.inFlightSeq = seq;
          try {
            await this.deps.messaging.publish('cloud', topic, this.spool.read(seq), 1);
          } catch {
            return;
          }
          this.published += 1;
          if (config.awaitCloudAck) {
            if (seq > this.ackedThroughSeq) this.sentAtMs.set(seq, this.deps.clock.nowMs());
          } else this.spool.remove(seq);
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
      ackedThroughSeq: this.ackedThroughSeq,
      unacked: this.sentAtMs.size,
      resent: this.resent,
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
    ...(reading.gpuCount !== undefined ? { gpuCount: reading.gpuCount } : {}),
  };
}
