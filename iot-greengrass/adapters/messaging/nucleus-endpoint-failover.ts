import type { greengrasscoreipc } from 'aws-iot-device-sdk-v2';
import type { Clock } from '../../../core/support/clock.js';
import { DEFAULT_FAILOVER_AFTER_MS, endpointAfter } from './endpoint-failover.js';

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
