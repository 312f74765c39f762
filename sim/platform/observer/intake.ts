import { z } from 'zod';
import { type Ack, ackSchema } from '../../../core/messages/ack.js';
import { type Command, commandSchema } from '../../../core/messages/command.js';
import { type GridSignal, gridSignalSchema } from '../../../core/messages/grid-signal.js';
import { type TelemetryBatch, telemetryBatchSchema } from '../../../core/messages/telemetry.js';
import {
  ALL_MARKETS_TOPIC_FILTER,
  ALL_SITE_TOPICS_FILTER,
  parseMarketTopic,
  parseSiteTopic,
} from '../../../core/messages/topics.js';

/** MQTT topics the observer subscribes to: every site topic and every market node's signals. */
export const OBSERVER_TOPICS = [ALL_SITE_TOPICS_FILTER, ALL_MARKETS_TOPIC_FILTER];

/** The gateway's status heartbeat (SwitchAgent.publishStatus): only the fields the dashboard shows. */
const heartbeatSchema = z.object({
  mode: z.string(),
  heldGroups: z.array(z.string()).default([]),
  fallbackReason: z.string().optional(),
  drifted: z.number().default(0),
  /** The site power controller: the meter against the limit, and what it holds (site-power.ts's view). */
  sitePower: z
    .object({
      measuredKw: z.number().optional(),
      source: z.string().optional(),
      limitKw: z.number(),
      limitSource: z.string(),
      heldDevices: z.number(),
      heldKw: z.number(),
      sheds: z.number(),
      restores: z.number(),
      minTimeOverrides: z.number(),
      meterAlarm: z.boolean(),
    })
    .optional(),
});

export interface Heartbeat {
  readonly mode: string;
  readonly heldGroups: string[];
  readonly fallbackReason?: string;
  readonly drifted: number;
  readonly sitePower?: z.infer<typeof heartbeatSchema>['sitePower'];
}

/** A broker message the observer reads, checked against its contract. */
export type ObservedMessage =
  | {
      readonly kind: 'signal';
      readonly to: { readonly marketNode: string } | { readonly siteId: string };
      readonly signal: GridSignal;
    }
  | { readonly kind: 'telemetry'; readonly siteId: string; readonly batch: TelemetryBatch }
  | { readonly kind: 'command'; readonly siteId: string; readonly command: Command }
  | { readonly kind: 'ack'; readonly ack: Ack }
  | { readonly kind: 'heartbeat'; readonly siteId: string; readonly heartbeat: Heartbeat };

/** A message to act on, one to count as rejected (not JSON, or against its contract), or undefined to ignore. */
export type Intake = { readonly message: ObservedMessage } | { readonly rejected: true } | undefined;

const REJECTED = { rejected: true } as const;

function checked<T, M extends ObservedMessage>(schema: z.ZodType<T>, json: unknown, wrap: (value: T) => M): Intake {
  const parsed = schema.safeParse(json);
  return parsed.success ? { message: wrap(parsed.data) } : REJECTED;
}

/**
 * Reads one broker message: market signals of any node, and the telemetry, commands, acks, heartbeats and grid
 * signals of the sites the observer draws (`observes`); other sites and topics are ignored.
 */
export function readBrokerMessage(
  topic: string,
  payload: Buffer | string,
  observes: (siteId: string) => boolean,
): Intake {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString());
  } catch {
    return REJECTED;
  }
  const market = parseMarketTopic(topic);
  if (market) {
    const marketNode = market.node;
    return checked(gridSignalSchema, json, (signal) => ({ kind: 'signal', to: { marketNode }, signal }));
  }
  const site = parseSiteTopic(topic);
  if (!site || !observes(site.siteId)) return undefined;
  const { siteId } = site;
  switch (site.kind) {
    case 'telemetry':
      return checked(telemetryBatchSchema, json, (batch) => ({ kind: 'telemetry', siteId, batch }));
    case 'commands':
      return checked(commandSchema, json, (command) => ({ kind: 'command', siteId, command }));
    case 'acks':
      return checked(ackSchema, json, (ack) => ({ kind: 'ack', ack }));
    case 'heartbeat':
      return checked(heartbeatSchema, json, (status) => ({
        kind: 'heartbeat',
        siteId,
        heartbeat: {
          mode: status.mode,
          heldGroups: status.heldGroups,
          ...(status.fallbackReason ? { fallbackReason: status.fallbackReason } : {}),
          drifted: status.drifted,
          ...(status.sitePower ? { sitePower: status.sitePower } : {}),
        },
      }));
    case 'grid':
      return checked(gridSignalSchema, json, (signal) => ({ kind: 'signal', to: { siteId }, signal }));
    default:
      return undefined;
  }
}
