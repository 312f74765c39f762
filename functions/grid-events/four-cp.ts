import { fourCpCurtailments } from '../../core/grid-events/four-cp-curtailment.js';
import type { GridEvent } from '../../core/grid-events/grid-event.js';
import type { Plan } from '../../core/model/plan.js';
import type { Site } from '../../core/model/site.js';
import type { GridEventStore } from './ports.js';

/**
 * Records the 4CP curtailments a saved plan decides (core/grid-events/four-cp-curtailment.ts) as grid events, each
 * once whichever plan first showed it: their evidence is then fetched like any other event's once the window and its
 * recovery have passed. Called by OptimizeFlow's persist step, after the plan is saved.
 */
export async function recordFourCpCurtailments(
  plan: Plan,
  sites: readonly Site[],
  store: Pick<GridEventStore, 'record'>,
): Promise<GridEvent[]> {
  const events = fourCpCurtailments(plan, sites);
  for (const event of events) await store.record(event);
  return events;
}
