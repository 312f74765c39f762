import type { Award, ClearingPriceOf } from '../../core/ancillary/awards.js';
import { type ResourceHolder, resourceIndex } from '../../core/ancillary/resources.js';
import type { Plan } from '../../core/model/plan.js';
import { ValidationError } from '../../core/support/validation.js';
import type { SwitchFlowStarter } from '../api/switch-flows.js';
import { localQseMessage } from './adapters/local-qse.js';
import { awardsFromQseMessage, qseAwardMessageSchema } from './adapters/qse-award-feed.js';
import { type ArmedSite, armSiteAwards } from './arm-awards.js';

/**
 * The one handler of a QSE award message, in AWS (the awards queue's Lambda, awards-handler.ts) and on the local
 * platform (the local QSE, adapters/local-qse.ts): the message's resource-level awards mapped to the registry's sites
 * and groups (core/ancillary/resources.ts), then each site's awards armed through one SwitchFlow. A bad message throws
 * a ValidationError naming the field before anything is armed.
 */

export interface ReceiveAwardsDeps {
  /** The registry's sites as they are now (their ERCOT resources). */
  readonly sites: () => Promise<readonly ResourceHolder[]>;
  readonly switchFlows: SwitchFlowStarter;
}

export async function receiveAwardMessage(deps: ReceiveAwardsDeps, message: unknown): Promise<ArmedSite[]> {
  const awards = awardsFromQseMessage(message, resourceIndex(await deps.sites()));
  // Named after the message: a redelivered message starts the same execution name (Step Functions starts it once).
  const { qse, market, publishedAt } = qseAwardMessageSchema.parse(message);
  // Step Functions names take letters, digits, - and _ only.
  const origin = `${qse.replace(/[^A-Za-z0-9_-]/g, '')}-${market}-${publishedAt.replace(/\D/g, '')}`;
  const bySite = new Map<string, Award[]>();
  for (const award of awards) bySite.set(award.siteId, [...(bySite.get(award.siteId) ?? []), award]);
  const armed: ArmedSite[] = [];
  for (const [siteId, siteAwards] of bySite) {
    armed.push(await armSiteAwards(deps.switchFlows, siteId, siteAwards, origin));
  }
  return armed;
}

/**
 * The local platform's awards for a plan: its offers of the next two hours awarded by the local QSE at the clearing
 * price (adapters/local-qse.ts), through the same handler as the QSE feed in AWS.
 */
export async function armPlanAwards(
  deps: ReceiveAwardsDeps & { readonly clearingPrice: ClearingPriceOf; readonly nowMs: number },
  plan: Plan,
): Promise<ArmedSite[]> {
  const message = localQseMessage(plan, await deps.sites(), deps.clearingPrice, deps.nowMs);
  return message ? receiveAwardMessage(deps, message) : [];
}

/** The part of an SQS record the awards Lambda reads (`SQSRecord` from aws-lambda satisfies it). */
export interface QueuedAwardMessage {
  readonly messageId: string;
  readonly body: string;
}

export interface AwardBatchLog {
  error(message: string, attributes: Record<string, unknown>): void;
}

export interface AwardBatchResult {
  /** The SQS partial batch response: these messages stay on the queue and dead-letter after maxReceiveCount. */
  readonly batchItemFailures: { itemIdentifier: string }[];
  readonly armedSites: number;
  readonly refused: number;
  readonly failed: number;
}

/**
 * A batch of the awards queue: each message through `receiveAwardMessage`. A message that is not JSON or not a valid
 * award message is refused whole (logged with the fields it broke, nothing of it armed); one whose arming failed
 * (a SwitchFlow that did not start) is retried. Both stay on the queue as batch item failures and, after the queue's
 * maxReceiveCount, move to its alarmed DLQ, where an operator reads and can redrive them: nothing is dropped.
 */
export async function receiveAwardBatch(
  records: readonly QueuedAwardMessage[],
  deps: ReceiveAwardsDeps & { readonly log: AwardBatchLog },
): Promise<AwardBatchResult> {
  const batchItemFailures: { itemIdentifier: string }[] = [];
  let armedSites = 0;
  let refused = 0;
  let failed = 0;
  for (const record of records) {
    try {
      armedSites += (await receiveAwardMessage(deps, parseBody(record.body))).length;
    } catch (error) {
      batchItemFailures.push({ itemIdentifier: record.messageId });
      if (error instanceof ValidationError) {
        refused += 1;
        deps.log.error('award message refused', { messageId: record.messageId, issues: error.issues });
      } else {
        failed += 1;
        deps.log.error('award message not armed', { messageId: record.messageId, error: String(error) });
      }
    }
  }
  return { batchItemFailures, armedSites, refused, failed };
}

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new ValidationError('QSE award message', [
      { field: '(root)', rule: 'json', message: 'body is not valid JSON' },
    ]);
  }
}
