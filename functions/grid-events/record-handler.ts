import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { gridSignalSchema } from '../../core/messages/grid-signal.js';
import { readRegisteredFleet } from '../fleet/registry-fleet.js';
import { configGetter } from '../shared/config.js';
import { documentClient } from '../shared/data/client.js';
import { DynamoGridEventStore } from '../shared/data/grid-event-store.js';
import { DynamoPlanStore } from '../shared/data/plan-store.js';
import { DynamoSiteRegistryStore } from '../shared/data/site-registry-store.js';
import { logger, metrics } from '../shared/powertools.js';
import { taskHandler } from '../shared/task-handler.js';
import { recordGridSignal } from './record.js';

const config = configGetter(z.object({ TABLE_NAME: z.string().min(1) }));

/**
 * What the IoT rule passes: the signal as published, plus the topic's scope and key (`sites`/<siteId> for a site's
 * grid topic, `market`/<node> for a market node's signals), added by the rule's SQL.
 */
const ruleMessageSchema = z.looseObject({ topicScope: z.enum(['sites', 'market']), topicKey: z.string().min(1) });

/**
 * Target of the IoT rule on the sites' grid topics and the markets' signal topics (stacks/constructs/grid-event-
 * recorder.ts): records the grid events a signal opens or closes (functions/grid-events/record.ts). A malformed
 * signal is logged and counted, not retried; storage errors throw, so the async invocation retries and dead-letters.
 */
export const handler = taskHandler(async (event: unknown) => {
  const deps = { client: documentClient(), tableName: config().TABLE_NAME };
  const scope = ruleMessageSchema.safeParse(event);
  const { topicScope: _scope, topicKey: _key, ...body } = (event ?? {}) as Record<string, unknown>;
  const signal = gridSignalSchema.safeParse(body);
  if (!scope.success || !signal.success) {
    logger.warn('grid signal refused', { issues: (scope.error ?? signal.error)?.issues });
    metrics.addMetric('GridSignalsRefused', MetricUnit.Count, 1);
    return 'refused';
  }
  const plans = new DynamoPlanStore(deps);
  const registry = new DynamoSiteRegistryStore(deps);
  const changes = await recordGridSignal(
    signal.data,
    {
      store: new DynamoGridEventStore(deps),
      sitesFor: async (s, siteId) => {
        const [{ sites }, plan] = await Promise.all([readRegisteredFleet(registry), plans.loadCurrent()]);
        const concerned = sites.filter((site) => (siteId ? site.id === siteId : site.marketNode === s.node));
        return concerned.map((site) => ({
          site,
          ladder: plan?.sites.find((p) => p.siteId === site.id)?.ladder ?? [],
        }));
      },
    },
    scope.data.topicScope === 'sites' ? scope.data.topicKey : undefined,
  );
  metrics.addMetric('GridEventChanges', MetricUnit.Count, changes);
  return changes;
});
