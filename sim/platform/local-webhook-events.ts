import type { WorkloadEvent } from '../../core/routing/workload-events.js';
import { type Clock, systemClock } from '../../core/support/clock.js';
import type { Rng } from '../../core/support/random.js';
import { nextWebhookRetry, WEBHOOK_RETRY, type WebhookRetryPolicy } from '../../core/webhooks/retry.js';
import type { WorkloadEventsPort } from '../../functions/routing/ports.js';
import { type DeliveryOutcome, deliverWorkloadEvent, type HttpPort } from '../../functions/routing/webhooks/deliver.js';
import { pinnedHttp } from '../../functions/routing/webhooks/pinned-http.js';
import type { WebhookSource } from '../../functions/shared/data/webhook-store.js';

/**
 * The local platform's WorkloadEventsPort: where AWS has a queue and the delivery Lambda, this delivers in the
 * background on timers with the same use case and retry schedule. `notify` returns at once; a bounded log of recent
 * deliveries is kept for the local dashboard.
 *
 *   const events = createLocalWorkloadEvents({ webhooks: new DynamoWebhookStore({ client, tableName }) });
 *   await events.notify(event);   // never waits for the receiver
 *   events.deliveries();          // newest first
 *   events.close();               // on shutdown: pending retries are cancelled
 */
export interface LocalWorkloadEventsOptions {
  readonly webhooks: WebhookSource;
  /** @default pinnedHttp, local receivers allowed */
  readonly http?: HttpPort;
  /** @default the system clock */
  readonly clock?: Clock;
  /** Draws the retries' jitter. @default Math.random */
  readonly rng?: Rng;
  /** @default WEBHOOK_RETRY (tests shorten it) */
  readonly retry?: WebhookRetryPolicy;
  /** How many deliveries the log keeps, oldest dropped first. @default 200 */
  readonly logSize?: number;
}

export type LocalDeliveryStatus = 'pending' | 'retrying' | 'delivered' | 'skipped' | 'gave-up' | 'cancelled';

export interface WebhookDeliveryLogEntry {
  readonly eventId: string;
  readonly type: WorkloadEvent['type'];
  readonly tenantId: string;
  readonly workloadId: string;
  readonly status: LocalDeliveryStatus;
  readonly attempts: number;
  readonly lastStatusCode?: number;
  /** Why the last attempt did not deliver, or why the delivery was skipped or given up. */
  readonly reason?: string;
  readonly nextAttemptAt?: string;
  readonly updatedAt: string;
}

export interface LocalWorkloadEvents extends WorkloadEventsPort {
  /** Recent deliveries, newest first. */
  deliveries(): WebhookDeliveryLogEntry[];
  /** Resolves once no delivery is in flight or waiting for a retry (tests, orderly shutdown). */
  settled(): Promise<void>;
  /** Cancels pending retries; later notifications are logged as cancelled and not sent. Idempotent. */
  close(): void;
}

interface Delivery {
  readonly event: WorkloadEvent;
  readonly firstAttemptAtMs: number;
  entry: WebhookDeliveryLogEntry;
  timer?: NodeJS.Timeout;
}

export function createLocalWorkloadEvents(options: LocalWorkloadEventsOptions): LocalWorkloadEvents {
  const http = options.http ?? pinnedHttp({ allowLocalHosts: true });
  const clock = options.clock ?? systemClock;
  const rng = options.rng ?? { next: Math.random };
  const policy = options.retry ?? WEBHOOK_RETRY;
  const logSize = options.logSize ?? 200;
  const log: Delivery[] = [];
  const active = new Set<Delivery>();
  let waiters: Array<() => void> = [];
  let closed = false;

  const nowIso = () => new Date(clock.nowMs()).toISOString();
  const update = (delivery: Delivery, change: Partial<WebhookDeliveryLogEntry>) => {
    delivery.entry = { ...delivery.entry, ...change, updatedAt: nowIso() };
  };
  function finish(delivery: Delivery) {
    active.delete(delivery);
    if (active.size > 0) return;
    const resolved = waiters;
    waiters = [];
    for (const resolve of resolved) resolve();
  }

  function schedule(delivery: Delivery, delayMs: number) {
    delivery.timer = setTimeout(() => {
      delivery.timer = undefined;
      void attempt(delivery);
    }, delayMs);
    // A pending retry must not keep a finished process alive.
    delivery.timer.unref();
  }

  async function attempt(delivery: Delivery) {
    if (closed) return;
    let outcome: DeliveryOutcome;
    try {
      outcome = await deliverWorkloadEvent(delivery.event, { webhooks: options.webhooks, http, clock });
    } catch (error) {
      // The config could not be read (the table is down): as retryable as a receiver's 503.
      outcome = { status: 'retry', reason: `webhook config unavailable: ${(error as Error).message}`, latencyMs: 0 };
    }
    if (closed) return;
    const attempts = outcome.status === 'skipped' ? delivery.entry.attempts : delivery.entry.attempts + 1;
    const statusCode = 'statusCode' in outcome ? { lastStatusCode: outcome.statusCode } : {};
    const reason = 'reason' in outcome ? { reason: outcome.reason } : {};
    if (outcome.status !== 'retry') {
      update(delivery, { status: outcome.status, attempts, ...statusCode, ...reason, nextAttemptAt: undefined });
      finish(delivery);
      return;
    }
    const next = nextWebhookRetry(attempts, delivery.firstAttemptAtMs, clock.nowMs(), rng, policy);
    if (!next.retry) {
      update(delivery, {
        status: 'gave-up',
        attempts,
        ...statusCode,
        reason: `${outcome.reason}; ${next.reason}`,
        nextAttemptAt: undefined,
      });
      finish(delivery);
      return;
    }
    update(delivery, {
      status: 'retrying',
      attempts,
      ...statusCode,
      ...reason,
      nextAttemptAt: new Date(clock.nowMs() + next.delayMs).toISOString(),
    });
    schedule(delivery, next.delayMs);
  }

  return {
    async notify(event) {
      const delivery: Delivery = {
        event,
        firstAttemptAtMs: clock.nowMs(),
        entry: {
          eventId: event.id,
          type: event.type,
          tenantId: event.tenantId,
          workloadId: event.workloadId,
          status: closed ? 'cancelled' : 'pending',
          attempts: 0,
          updatedAt: nowIso(),
        },
      };
      log.push(delivery);
      if (log.length > logSize) log.splice(0, log.length - logSize);
      if (closed) return;
      active.add(delivery);
      schedule(delivery, 0);
    },
    deliveries: () => log.map((delivery) => delivery.entry).reverse(),
    settled: () => (active.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    close() {
      if (closed) return;
      closed = true;
      for (const delivery of active) {
        if (delivery.timer) clearTimeout(delivery.timer);
        update(delivery, { status: 'cancelled', nextAttemptAt: undefined });
      }
      for (const delivery of [...active]) finish(delivery);
    },
  };
}
