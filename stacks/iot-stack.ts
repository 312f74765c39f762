import { Stack, type StackProps } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { TELEMETRY_TABLES } from '../core/telemetry-history/records.js';
import type { CommandKeyEntry } from './constructs/command-signing-key.js';
import { DeviceTelemetry } from './constructs/device-telemetry.js';
import { GatewayPolicy } from './constructs/gateway-policy.js';
import { GpuNodeInventory } from './constructs/gpu-nodes.js';
import { GreengrassComponents } from './constructs/greengrass-components.js';
import { GridEventRecorder } from './constructs/grid-event-recorder.js';
import { IcebergTelemetrySink, type TelemetryLifecycle } from './constructs/iceberg-telemetry-sink.js';
import { LatestStateRule } from './constructs/latest-state-rule.js';
import { acknowledge } from './constructs/nag.js';
import { type GatewayRegion, NucleusFailoverRegions } from './constructs/nucleus-failover-regions.js';
import { SwitchTelemetry } from './constructs/switch-telemetry.js';
import type { PagingMetric } from './constructs/telemetry-buckets.js';
import type { TelemetrySink, TelemetrySinkKind } from './constructs/telemetry-sink.js';
import { TimestreamTelemetrySink } from './constructs/timestream-telemetry-sink.js';

export interface IotStackProps extends StackProps {
  /** One IoT thing (the site gateway's Greengrass core) per site; the thing name is the site id. */
  readonly siteIds: readonly string[];
  /** Where telemetry is stored (bin/config.ts `telemetrySink`). @default iceberg */
  readonly telemetrySink?: TelemetrySinkKind;
  /** The Iceberg sink's data lifecycle. @default 30 days hot, then Standard-IA, expired after 400 days */
  readonly telemetryLifecycle?: TelemetryLifecycle;
  /** The Iceberg sink's Athena cutoff per query, MiB scanned. @default 1024 */
  readonly athenaBytesScannedLimitMb?: number;
  /** Alias the Iceberg sink's key, so the other regions' history Lambdas are granted it by name (multi-region). @default false */
  readonly telemetryKeyAlias?: boolean;
  /** The platform table: latest gateway and device state for the API. */
  readonly table: ITable;
  /** The public key the gateways verify commands with (the data stack's CommandSigningKey). */
  readonly commandKey: CommandKeyEntry;
  /** The other regions' command keys (multi-region): a gateway takes commands from whichever region holds its lease. */
  readonly otherCommandKeys?: readonly CommandKeyEntry[];
  /** The gateways' thing group's name, for the other regions' onboarding to find it. @default CloudFormation's */
  readonly thingGroupName?: string;
  /**
   * Every region's gateway role alias, primary first (multi-region): com.hcp.Telemetry's nucleus failover moves a core
   * down this list (docs/REGIONS.md). @default none: one region, no failover
   */
  readonly gatewayRegions?: readonly GatewayRegion[];
}

/** Thing type of every site gateway; its searchable attribute finds a gateway by site in the registry. */
export const GATEWAY_THING_TYPE = 'hcp-site-gateway';

/**
 * Site gateways: the thing type, one thing per site and the thing group deployments target, the gateway policy, and
 * the telemetry paths (into the telemetry sink, per-device through a queue, latest state into the table).
 *
 * Certificates are not created here: a stack would have to hand out the private key, and a key in a template or an
 * output is a secret in the wrong place. Each gateway makes its own key and CSR and is onboarded through the API
 * (`POST /v1/sites/{siteId}/gateway`, functions/shared/iot/aws-gateway-identity.ts): IoT signs the CSR, and the
 * certificate is attached to the site's thing and to this stack's gateway policy, and the thing joins the thing group.
 * The policy's `iot:Connection.Thing.IsAttached` condition refuses any certificate not attached to its thing, so a
 * certificate provisioned for one site cannot connect as another.
 */
export class IotStack extends Stack {
  readonly thingGroup: iot.CfnThingGroup;
  readonly thingType: iot.CfnThingType;
  readonly components: GreengrassComponents;
  /** The Greengrass cores' token exchange role (through `roleAlias`): what a gateway may do with AWS credentials. */
  readonly tokenExchangeRole: iam.Role;
  readonly roleAlias: iot.CfnRoleAlias;
  /** The IoT policy every gateway certificate carries. */
  readonly gatewayPolicy: GatewayPolicy;
  readonly telemetry: TelemetrySink;
  readonly functions: IFunction[];
  readonly deadLetterQueues: sqs.IQueue[];
  /** Metrics whose any datapoint pages (the telemetry sink's refused writes). */
  readonly pagingMetrics: readonly PagingMetric[];

  constructor(scope: Construct, id: string, props: IotStackProps) {
    super(scope, id, props);
    this.thingType = new iot.CfnThingType(this, 'GatewayType', {
      thingTypeName: GATEWAY_THING_TYPE,
      thingTypeProperties: {
        thingTypeDescription: 'HCP site gateway (Greengrass v2 core); the thing name is the site id',
        searchableAttributes: ['siteId'],
      },
    });
    this.thingGroup = new iot.CfnThingGroup(this, 'Gateways', {
      ...(props.thingGroupName ? { thingGroupName: props.thingGroupName } : {}),
      thingGroupProperties: { thingGroupDescription: 'HCP site gateways (Greengrass v2 cores)' },
    });
    for (const siteId of props.siteIds) {
      const thing = new iot.CfnThing(this, `Thing-${siteId}`, {
        thingName: siteId,
        attributePayload: { attributes: { siteId } },
      });
      // CloudFormation's AWS::IoT::Thing has no ThingTypeName; the type is attached at provisioning (see above).
      thing.node.addDependency(this.thingType);
    }

    // Greengrass cores trade their certificate for this role's credentials (token exchange service): they need
    // nothing from AWS but their component artifacts, so the role grants only that.
    this.tokenExchangeRole = new iam.Role(this, 'TokenExchangeRole', {
      assumedBy: new iam.ServicePrincipal('credentials.iot.amazonaws.com'),
      description: 'HCP site gateways: Greengrass token exchange (component artifacts only)',
    });
    this.roleAlias = new iot.CfnRoleAlias(this, 'TokenExchangeRoleAlias', {
      roleAlias: `${this.stackName}-token-exchange`,
      roleArn: this.tokenExchangeRole.roleArn,
      credentialDurationSeconds: 3600,
    });
    this.gatewayPolicy = new GatewayPolicy(this, 'GatewayPolicy', { roleAliasName: this.roleAlias.roleAlias! });
    const failover = props.gatewayRegions?.length
      ? new NucleusFailoverRegions(this, 'NucleusFailoverRegions', { regions: this.gatewayRegionsChecked(props) })
      : undefined;
    this.components = new GreengrassComponents(this, 'Components', {
      thingGroup: this.thingGroup,
      configuration: {
        'com.hcp.SwitchAgent': { agent: { commandKeys: [props.commandKey, ...(props.otherCommandKeys ?? [])] } },
        ...(failover ? { 'com.hcp.Telemetry': { telemetry: { nucleusFailover: { regions: failover.regions } } } } : {}),
      },
    });
    this.components.grantArtifactRead(this.tokenExchangeRole);
    for (const finding of [
      'Action::s3:GetBucket*',
      'Action::s3:GetObject*',
      'Action::s3:List*',
      `Resource::arn:aws:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-${this.region}/*`,
    ]) {
      acknowledge(
        this.tokenExchangeRole,
        `AwsSolutions-IAM5[${finding}]`,
        'Read-only access to the CDK asset bucket, where the component artifacts are published (CDK asset grant).',
      );
    }
    const sink =
      (props.telemetrySink ?? 'iceberg') === 'iceberg'
        ? new IcebergTelemetrySink(this, 'Telemetry', {
            tables: TELEMETRY_TABLES,
            ...(props.telemetryLifecycle ? { lifecycle: props.telemetryLifecycle } : {}),
            ...(props.athenaBytesScannedLimitMb ? { bytesScannedLimitMb: props.athenaBytesScannedLimitMb } : {}),
            ...(props.telemetryKeyAlias ? { keyAlias: true } : {}),
          })
        : new TimestreamTelemetrySink(this, 'Telemetry');
    this.telemetry = sink;
    // The switches' history (fleet_events) exists only with the Iceberg sink.
    const switches =
      sink instanceof IcebergTelemetrySink ? new SwitchTelemetry(this, 'SwitchTelemetry', { sink }) : undefined;
    this.pagingMetrics = this.telemetry.pagingMetrics;
    const devices = new DeviceTelemetry(this, 'DeviceTelemetry', { table: props.table, sink: this.telemetry });
    const latest = new LatestStateRule(this, 'LatestState', { table: props.table });
    const gpuNodes = new GpuNodeInventory(this, 'GpuNodes', { table: props.table });
    const gridEvents = new GridEventRecorder(this, 'GridEvents', { table: props.table });
    this.functions = [
      devices.function.fn,
      gpuNodes.function.fn,
      gridEvents.function.fn,
      ...(switches ? [switches.function.fn] : []),
    ];
    this.deadLetterQueues = [
      ...this.telemetry.deadLetterQueues,
      ...devices.deadLetterQueues,
      latest.deadLetterQueue,
      ...gpuNodes.deadLetterQueues,
      ...gridEvents.deadLetterQueues,
      ...(switches?.deadLetterQueues ?? []),
    ];
  }

  /** `gatewayRegions` must name this region with this stack's role alias, or its cores would fail over to a wrong one. */
  private gatewayRegionsChecked(props: IotStackProps): readonly GatewayRegion[] {
    const regions = props.gatewayRegions ?? [];
    const own = regions.find((r) => r.region === this.region);
    if (own?.roleAlias !== this.roleAlias.roleAlias) {
      throw new Error(
        `gatewayRegions: must list ${this.region} with role alias ${this.roleAlias.roleAlias} (got ${JSON.stringify(own ?? null)})`,
      );
    }
    return regions;
  }
}
