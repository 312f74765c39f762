import type { greengrasscoreipc } from 'aws-iot-device-sdk-v2';
import { z } from 'zod';
import type { Clock } from '../../../core/support/clock.js';
import { DEFAULT_FAILOVER_AFTER_MS, endpointAfter } from './endpoint-failover.js';
import type { MessagingPort } from './port.js';

/**
 * The endpoint failover of a Greengrass core. On Greengrass the nucleus owns the one IoT Core connection (its
 * `iotDataEndpoint`), so the direct-MQTT rule (endpoint-failover.ts) cannot move it by reconnecting: the move is a
 * local deployment that merges the standby region's endpoints into the nucleus's configuration (Greengrass CLI IPC
 * `CreateLocalDeployment`, nucleus ≥ 2.6.0, the aws.greengrass.Cli component a dependency, and the operation granted
 * in the recipe's accessControl). The keys are the nucleus's own (aws.greengrass.Nucleus configuration: `awsRegion`,
 * `iotDataEndpoint`, `iotCredEndpoint`, `iotRoleAlias`); the certificate is the same in both regions (the onboarding
 * registers it in each, functions/shared/iot/aws-gateway-identity.ts), so nothing else changes.
 *
 * The rule is the direct path's: stay while IoT Core answers; once nothing has come back from it for
 * `failoverAfterMs`, move to the next region (wrapping round), never back on its own. "Answers" is the caller's
 * signal (`lastContactMs`): the last message the nucleus delivered from IoT Core, or the last QoS 1 publish it
 * confirmed. The rule and the request are tested here; the nucleus applying it needs a Greengrass core, which this
 * machine does not run.
 */

/** One region as a core needs it: what `POST /v1/sites/{siteId}/gateway` returns for it. */
export interface NucleusRegion {
  readonly region: string;
  readonly dataEndpoint: string;
  readonly credentialEndpoint: string;
  readonly roleAlias: string;
}

type LocalDeploymentRequest = greengrasscoreipc.model.CreateLocalDeploymentRequest;

/** The subset of the IPC client's CreateLocalDeployment this uses (aws-iot-device-sdk-v2 greengrasscoreipc). */
export interface LocalDeploymentClient {
  createLocalDeployment(request: LocalDeploymentRequest): Promise<{ deploymentId?: string }>;
}

export const NUCLEUS_COMPONENT = 'aws.greengrass.Nucleus';

/**
 * The local deployment that points the nucleus at `target`: a MERGE of its four connection keys (the Greengrass
 * CLI's `--update-config` shape, which the CLI hands to this same IPC operation). ROLLBACK: a nucleus that cannot
 * take the change keeps its current configuration.
 */
export function nucleusMoveRequest(target: NucleusRegion): LocalDeploymentRequest {
  return {
    componentToConfiguration: new Map<string, unknown>([
      [
        NUCLEUS_COMPONENT,
        {
          MERGE: {
            awsRegion: target.region,
            iotDataEndpoint: target.dataEndpoint,
            iotCredEndpoint: target.credentialEndpoint,
            iotRoleAlias: target.roleAlias,
          },
        },
      ],
    ]),
    // The SDK's enum value, spelled here so the module does not load the SDK (and aws-crt) at run time.
    failureHandlingPolicy: 'ROLLBACK' as greengrasscoreipc.model.FailureHandlingPolicy,
  };
}

export interface NucleusFailoverOptions {
  /** Every region, primary first; `current` is the one the nucleus is configured for. */
  readonly regions: readonly NucleusRegion[];
  readonly current: string;
  readonly ipc: LocalDeploymentClient;
  /** When IoT Core last answered through the nucleus (epoch ms). */
  readonly lastContactMs: () => number;
  readonly clock: Clock;
  /** @default 60_000, as the direct path */
  readonly failoverAfterMs?: number;
}

export class NucleusEndpointFailover {
  private index: number;
  /** A move gives the new endpoint the same grace as the first one had. */
  private movedAtMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: NucleusFailoverOptions) {
    if (options.regions.length === 0) throw new Error('nucleus failover needs at least one region');
    this.index = options.regions.findIndex((r) => r.region === options.current);
    if (this.index < 0) throw new Error(`nucleus failover: current region ${options.current} is not in regions`);
  }

  region(): string {
    return this.options.regions[this.index]!.region;
  }

  /** Applies the rule once: the deployment id when it moved the nucleus, undefined when it stays. */
  async check(): Promise<string | undefined> {
    const { regions, ipc, clock, failoverAfterMs = DEFAULT_FAILOVER_AFTER_MS } = this.options;
    const silentSinceMs = Math.max(this.options.lastContactMs(), this.movedAtMs);
    const nowMs = clock.nowMs();
    const next = endpointAfter(this.index, regions.length, silentSinceMs, nowMs, failoverAfterMs);
    if (next === this.index) return undefined;
    const { deploymentId } = await ipc.createLocalDeployment(nucleusMoveRequest(regions[next]!));
    this.index = next;
    this.movedAtMs = nowMs;
    return deploymentId ?? 'unknown';
  }
}

/**
 * The failover's part of a component's configuration (com.hcp.Telemetry's recipe, `telemetry.nucleusFailover`): every
 * region, primary first (the stacks' Greengrass deployment fills them: stacks/constructs/nucleus-failover-regions.ts;
 * the same fields as the onboarding answer's own region and `otherRegions`). Fewer than two
 * regions: no failover (a one-region deployment).
 */
export const nucleusFailoverConfigSchema = z
  .strictObject({
    regions: z
      .array(
        z.strictObject({
          region: z.string().min(1),
          dataEndpoint: z.string().min(1),
          credentialEndpoint: z.string().min(1),
          roleAlias: z.string().min(1),
        }),
      )
      .default([]),
    failoverAfterMs: z.number().int().min(1000).default(DEFAULT_FAILOVER_AFTER_MS),
    /** How often the rule is applied. */
    checkPeriodMs: z.number().int().min(1000).default(10_000),
  })
  .prefault({});
export type NucleusFailoverConfig = z.infer<typeof nucleusFailoverConfigSchema>;

/**
 * The "IoT Core answered" signal: `port` with every message that reaches a cloud subscription noted as a contact.
 * Such a message came through the nucleus's IoT Core connection; on com.hcp.Telemetry the cloud's telemetry
 * high-water mark (`telemetry-acks`) answers each batch (every poll, 10 s by default), so silence means the region's
 * IoT Core (or its ingestion behind it) stopped answering. A publish the nucleus accepted is not a contact: its
 * spooler accepts QoS 1 publishes while offline. The first contact is counted from now (the same grace a move gives).
 */
export function cloudContact(port: MessagingPort, clock: Clock): { messaging: MessagingPort; lastContactMs(): number } {
  let lastMs = clock.nowMs();
  return {
    messaging: {
      ...port,
      publish: (channel, topic, payload, qos) => port.publish(channel, topic, payload, qos),
      subscribe: (channel, topic, handler) =>
        port.subscribe(
          channel,
          topic,
          channel === 'cloud'
            ? (t, payload) => {
                lastMs = clock.nowMs();
                handler(t, payload);
              }
            : handler,
        ),
      isConnected: () => port.isConnected(),
      onConnectionChange: (listener) => port.onConnectionChange(listener),
      close: () => port.close(),
    },
    lastContactMs: () => lastMs,
  };
}

export interface NucleusFailoverRun {
  stop(): void;
}

/**
 * Applies the rule every `checkPeriodMs` once the core is in a multi-region deployment (two regions or more, the
 * current one among them); otherwise logs why it does not run and returns undefined. The IPC client is connected
 * only then (the Greengrass CLI's IPC service; adapters/messaging/greengrass-ipc.ts). A failed move is logged and
 * tried again at the next check.
 */
export async function startNucleusFailover(deps: {
  readonly config: NucleusFailoverConfig;
  /** The region the nucleus runs in now (Greengrass sets AWS_REGION for a component). */
  readonly current: string | undefined;
  readonly connectIpc: () => Promise<LocalDeploymentClient>;
  readonly lastContactMs: () => number;
  readonly clock: Clock;
  readonly log: (event: string, detail: Record<string, unknown>) => void;
  /** Runs `tick` every `periodMs`; returns the stop. @default setInterval */
  readonly every?: (periodMs: number, tick: () => Promise<void>) => () => void;
}): Promise<NucleusFailoverRun | undefined> {
  const { config, current, log } = deps;
  if (config.regions.length < 2) return undefined;
  if (!current || !config.regions.some((r) => r.region === current)) {
    log('nucleus-failover-off', { reason: `current region ${current ?? '(AWS_REGION unset)'} is not in regions` });
    return undefined;
  }
  const failover = new NucleusEndpointFailover({
    regions: config.regions,
    current,
    ipc: await deps.connectIpc(),
    lastContactMs: deps.lastContactMs,
    clock: deps.clock,
    failoverAfterMs: config.failoverAfterMs,
  });
  let checking = false;
  /** One check; resolves once its move (if any) is requested and logged. */
  const tick = async (): Promise<void> => {
    if (checking) return;
    checking = true;
    const from = failover.region();
    await failover
      .check()
      .then((deploymentId) => {
        if (deploymentId) log('nucleus-moved', { from, to: failover.region(), deploymentId });
      })
      .catch((error: unknown) => log('nucleus-move-failed', { from, error: String(error) }))
      .finally(() => {
        checking = false;
      });
  };
  const every =
    deps.every ??
    ((periodMs: number, fn: () => Promise<void>) => {
      const timer = setInterval(() => void fn(), periodMs);
      timer.unref();
      return () => clearInterval(timer);
    });
  return { stop: every(config.checkPeriodMs, tick) };
}
