import type { MeteredAttempt } from '../../core/metering/usage.js';
import { type JobState, progressOf, workloadEventOf } from '../../core/routing/job-state.js';
import type { Clock } from '../../core/support/clock.js';
import type { DynamoJobStore, StoredJob } from '../shared/data/job-store.js';
import type { WorkloadEventsPort } from './ports.js';

export type RoutingLog = (event: string, detail: Record<string, unknown>) => void;

export interface TransitionDeps {
  readonly jobs: Pick<DynamoJobStore, 'commit'>;
  readonly events: WorkloadEventsPort;
  readonly clock: Clock;
  readonly log?: RoutingLog;
}

export type TransitionResult = 'committed' | 'job-changed' | 'cancelled';

/**
 * Writes one transition of a job (with the workload's view and the attempt's usage) and tells the customer. A
 * workload the customer cancelled meanwhile stays cancelled: its job ends as failed, unbilled, without an event.
 */
export async function commitTransition(
  deps: TransitionDeps,
  previous: StoredJob,
  next: JobState,
  record?: MeteredAttempt,
): Promise<TransitionResult> {
  const nowMs = deps.clock.nowMs();
  const result = await deps.jobs.commit(previous, next, {
    workload: progressOf(next, new Date(nowMs).toISOString()),
    // The whole metered attempt: the usage sums read its record, the statement its model, tier and outcome.
    ...(record ? { usage: record } : {}),
  });
  if (result === 'job-changed') return result;
  if (result === 'workload-closed') {
    const closed: JobState = { ...next, status: 'failed', reason: 'cancelled by the customer' };
    const again = await deps.jobs.commit(previous, closed);
    return again === 'committed' ? 'cancelled' : 'job-changed';
  }
  const event = workloadEventOf(next, nowMs, record);
  if (event) {
    try {
      await deps.events.notify(event);
    } catch (error) {
      // The state is committed and readable through the API; a lost webhook is logged, never a lost job.
      deps.log?.('workload-event-failed', { eventId: event.id, error: String(error) });
    }
  }
  return result;
}
