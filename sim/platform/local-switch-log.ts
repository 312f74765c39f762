import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { allSitesTopicFilter, parseSiteTopic } from '../../core/messages/topics.js';
import { DynamoSwitchLogStore } from '../../functions/shared/data/switch-log-store.js';
import { recordLocalSwitch } from '../../functions/switching/local-switch.js';
import type { MessagingPort } from '../../iot-greengrass/adapters/messaging/port.js';

export interface LocalSwitchLogOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly messaging: MessagingPort;
  readonly log?: (event: string, detail: Record<string, unknown>) => void;
}

/**
 * The local stand-in for the IoT rule on the sites' `events` topics (stacks/constructs/local-switch-rule.ts): each
 * gateway's `local-switch` event whose `siteId` is its topic's site goes through the rule Lambda's own use case into
 * the site's switch history, so GET /v1/sites/{siteId}/switches lists the gateways' reactions beside the SwitchFlows.
 * Like the rule, it hears every site's topic, so a site registered through the API is logged without a restart.
 */
export async function startLocalSwitchLog(options: LocalSwitchLogOptions): Promise<void> {
  const deps = { switchLog: new DynamoSwitchLogStore({ client: options.client, tableName: options.tableName }) };
  await options.messaging.subscribe('cloud', allSitesTopicFilter('events'), (topic, payload) => {
    const siteId = parseSiteTopic(topic)?.siteId;
    let event: unknown;
    try {
      event = JSON.parse(payload.toString('utf8'));
    } catch {
      return; // the rule's SQL would not match a body that is not JSON either
    }
    if (!siteId || (event as { siteId?: unknown }).siteId !== siteId) return;
    recordLocalSwitch(event, deps).catch((error: unknown) =>
      options.log?.('local-switch-log-failed', { siteId, error: String(error) }),
    );
  });
}
