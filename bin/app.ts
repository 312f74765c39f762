import { Annotations, type App, Stack, Tags, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { API_STAGE_NAME, ApiStack } from '../stacks/api-stack.js';
import { ApiFailoverRecord } from '../stacks/constructs/api-failover-record.js';
import type { CommandKeyEntry } from '../stacks/constructs/command-signing-key.js';
import type { GatewayRegistryNames } from '../stacks/constructs/gateway-onboarding.js';
import { type HistoryStoreNames, historyStoreNames } from '../stacks/constructs/iceberg-telemetry-sink.js';
import { acknowledgePlatformDecisions } from '../stacks/constructs/nag.js';
import { ControlStack } from '../stacks/control-stack.js';
import { DataStack } from '../stacks/data-stack.js';
import { GATEWAY_THING_TYPE, IotStack } from '../stacks/iot-stack.js';
import { MonitoringStack } from '../stacks/monitoring-stack.js';
import { ReplicaViewStack } from '../stacks/replica-view-stack.js';
import { StandbyDataStack } from '../stacks/standby-data-stack.js';
import { type AppContext, parseAppContext, regionPlan } from './config.js';

/** One region's stacks beside the data: the IoT endpoint and telemetry, the control flows, the API, monitoring. */
export interface RegionalStacks {
  readonly region: string;
  readonly api: ApiStack;
  readonly control: ControlStack;
  readonly iot: IotStack;
  readonly monitoring: MonitoringStack;
}

export interface StandbyStacks extends RegionalStacks {
  readonly keys: StandbyDataStack;
  readonly replica: ReplicaViewStack;
}

export interface HcpStacks extends RegionalStacks {
  /** The primary region's data: the table (global, with a replica per standby) and the lease table (multi-region). */
  readonly data: DataStack;
  /** Each standby region's stacks, in `regions` order; empty in a single-region deployment. */
  readonly standbys: readonly StandbyStacks[];
}

/**
 * Builds every stack of the platform into `app`, with cdk-nag's AwsSolutions and NIST 800-53 rev 5 checks on the
 * whole app. The primary region's stacks keep their single-region names (`Hcp-<stage>-Api`), so adding a standby
 * changes no stack's id; each standby's are named `Hcp-<stage>-<region>-…` (docs/REGIONS.md).
 */
export function buildApp(app: App): HcpStacks {
  const context = parseAppContext(app.node.tryGetContext('hcp'));
  const plan = regionPlan(context);
  const envOf = (region: string) => ({ region, ...(context.account ? { account: context.account } : {}) });
  const prefix = `Hcp-${context.stage}`;
  const multiRegion = plan.standbys.length > 0;
  // Physical names only where regions must find each other's tables by name.
  const tableName = `hcp-${context.stage}`;
  const leaseTableName = `hcp-${context.stage}-site-leases`;
  const dataKeyAlias = `alias/hcp-${context.stage}-data`;

  const keys = plan.standbys.map(
    (region) =>
      new StandbyDataStack(app, `${prefix}-${region}-Keys`, {
        env: envOf(region),
        dataKeyAlias,
        // The primary's gateways list this region's public command key (a cross-region reference).
        crossRegionReferences: true,
      }),
  );
  const data = new DataStack(app, `${prefix}-Data`, {
    env: envOf(plan.primary),
    crossRegionReferences: multiRegion,
    ...(multiRegion
      ? {
          global: {
            tableName,
            leaseTableName,
            replicas: keys.map((k) => ({ region: k.region, keyAliasArn: k.dataKeyAliasArn })),
            ...(plan.leaseWitness ? { leaseWitnessRegion: plan.leaseWitness } : {}),
          },
        }
      : {}),
  });
  for (const k of keys) data.addStackDependency(k, 'the replica key must exist before the global table names it');
  const allKeys = [
    { region: plan.primary, entry: data.commandSigning.gatewayEntry },
    ...keys.map((k) => ({ region: k.region, entry: k.commandSigning.gatewayEntry })),
  ];
  const others = (region: string) => allKeys.filter((k) => k.region !== region).map((k) => k.entry);
  // Each region's gateway registry names (its IoT stack's policy, group and role alias): onboarding in one region
  // registers the certificate in the others (docs/REGIONS.md).
  const idPrefixOf = (region: string) => (region === plan.primary ? prefix : `${prefix}-${region}`);
  const registries = [plan.primary, ...plan.standbys].map((region) => gatewayRegistryNames(idPrefixOf(region), region));
  const allRegistries = multiRegion ? registries : [];
  const otherRegistries = (region: string) => allRegistries.filter((r) => r.region !== region);
  // Each region's history store, by its IoT stack's name: the site history merges them all (docs/REGIONS.md).
  const historyStores =
    multiRegion && (context.telemetrySink ?? 'iceberg') === 'iceberg'
      ? [plan.primary, ...plan.standbys].map((region) => historyStoreNames(`${idPrefixOf(region)}-Iot`, region))
      : [];
  const otherHistoryStores = (region: string) => historyStores.filter((s) => s.region !== region);

  const primary = buildRegion(app, context, {
    idPrefix: prefix,
    env: envOf(plan.primary),
    table: data.table,
    commandSigningKey: data.commandSigning.key,
    commandKey: data.commandSigning.gatewayEntry,
    otherCommandKeys: others(plan.primary),
    otherRegistries: otherRegistries(plan.primary),
    allRegistries,
    otherHistoryStores: otherHistoryStores(plan.primary),
    ...(data.leaseTable ? { leaseTable: data.leaseTable } : {}),
    primaryRegion: plan.primary,
    apiRole: 'PRIMARY',
  });
  const standbys = keys.map((k) => {
    const replica = new ReplicaViewStack(app, `${prefix}-${k.region}-Replica`, {
      env: envOf(k.region),
      tableName,
      leaseTableName,
      key: k.key,
    });
    replica.addStackDependency(data, 'the replicas exist once the primary data stack is deployed');
    const regional = buildRegion(app, context, {
      idPrefix: `${prefix}-${k.region}`,
      env: envOf(k.region),
      table: replica.table,
      commandSigningKey: k.commandSigning.key,
      commandKey: k.commandSigning.gatewayEntry,
      otherCommandKeys: others(k.region),
      otherRegistries: otherRegistries(k.region),
      allRegistries,
      otherHistoryStores: otherHistoryStores(k.region),
      leaseTable: replica.leaseTable,
      primaryRegion: plan.primary,
      apiRole: 'SECONDARY',
    });
    return { ...regional, keys: k, replica };
  });
  if (multiRegion && !context.apiDomain) {
    Annotations.of(primary.api).addInfo(
      'hcp.apiDomain not set: each region serves the API on its own execute-api URL, with no failover name',
    );
  }

  for (const stack of app.node.children) {
    if (stack instanceof Stack) {
      Tags.of(stack).add('project', 'hcp');
      Tags.of(stack).add('stage', context.stage);
    }
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  Validations.of(app).addPlugins(new NIST80053R5Checks(app, { verbose: true }));
  acknowledgePlatformDecisions(app);
  return { data, ...primary, standbys };
}

interface RegionInputs {
  readonly idPrefix: string;
  readonly env: { readonly region: string; readonly account?: string };
  readonly table: ITable;
  readonly commandSigningKey: IKey;
  readonly commandKey: CommandKeyEntry;
  readonly otherCommandKeys: readonly CommandKeyEntry[];
  readonly otherRegistries: readonly GatewayRegistryNames[];
  /** Every region's registry names, primary first (empty: one region): the cores' nucleus failover order. */
  readonly allRegistries: readonly GatewayRegistryNames[];
  /** The other regions' telemetry history stores (empty: one region, or no Athena history). */
  readonly otherHistoryStores: readonly HistoryStoreNames[];
  readonly leaseTable?: ITable;
  readonly primaryRegion: string;
  readonly apiRole: 'PRIMARY' | 'SECONDARY';
}

/** One region's IoT, control, API and monitoring stacks on its view of the data. */
function buildRegion(app: App, context: AppContext, r: RegionInputs): RegionalStacks {
  const { env, idPrefix: prefix } = r;
  const crossRegionReferences = r.otherCommandKeys.length > 0;
  const iot = new IotStack(app, `${prefix}-Iot`, {
    env,
    crossRegionReferences,
    siteIds: context.sites,
    telemetrySink: context.telemetrySink,
    ...(context.telemetryLifecycle ? { telemetryLifecycle: context.telemetryLifecycle } : {}),
    ...(context.athenaBytesScannedLimitMb ? { athenaBytesScannedLimitMb: context.athenaBytesScannedLimitMb } : {}),
    ...(r.otherHistoryStores.length > 0 ? { telemetryKeyAlias: true } : {}),
    table: r.table,
    commandKey: r.commandKey,
    ...(r.otherCommandKeys.length > 0 ? { otherCommandKeys: r.otherCommandKeys } : {}),
    ...(r.otherRegistries.length > 0
      ? { thingGroupName: gatewayRegistryNames(prefix, env.region).thingGroupName }
      : {}),
    ...(r.allRegistries.length > 0 ? { gatewayRegions: r.allRegistries } : {}),
  });
  const control = new ControlStack(app, `${prefix}-Control`, {
    env,
    table: r.table,
    commandSigningKey: r.commandSigningKey,
    ...(r.leaseTable ? { leaseTable: r.leaseTable, leasePrimaryRegion: r.primaryRegion } : {}),
    // The replica's stream repeats the primary's writes: one region chains the audit log and wakes the router.
    ...(r.apiRole === 'SECONDARY' ? { streamConsumersEnabled: false } : {}),
    ...(context.market ? { marketSource: context.market } : {}),
    ...(context.qseAwardsSenderArn ? { qseAwardsSender: new iam.ArnPrincipal(context.qseAwardsSenderArn) } : {}),
    ...(context.partners ? { partnerIds: context.partners } : {}),
  });
  const api = new ApiStack(app, `${prefix}-Api`, {
    env,
    table: r.table,
    switchFlow: control.switchFlow,
    ...(context.evidenceRetentionDays ? { evidenceRetentionDays: context.evidenceRetentionDays } : {}),
    telemetryHistory: iot.telemetry,
    ...(r.otherHistoryStores.length > 0 ? { otherRegionsHistory: r.otherHistoryStores } : {}),
    gateways: {
      thingGroup: iot.thingGroup,
      thingTypeName: GATEWAY_THING_TYPE,
      policy: iot.gatewayPolicy.policy,
      roleAlias: iot.roleAlias,
      ...(r.otherRegistries.length > 0 ? { otherRegions: r.otherRegistries } : {}),
    },
  });
  const monitoring = new MonitoringStack(app, `${prefix}-Monitoring`, {
    env,
    api: api.restApi,
    functions: [...api.functions, ...control.functions, ...iot.functions],
    stateMachines: control.stateMachines,
    optimizeFlow: control.optimizeFlow,
    deadLetterQueues: [...control.deadLetterQueues, ...iot.deadLetterQueues],
    pagingMetrics: iot.pagingMetrics,
    siteIds: context.sites,
    ...(iot.telemetry.fleetEvents ? { apiProbes: iot.telemetry.fleetEvents } : {}),
    ...(context.alarmEmail ? { alarmEmail: context.alarmEmail } : {}),
  });
  if (context.apiDomain && r.leaseTable) {
    new ApiFailoverRecord(api, 'FailoverName', {
      api: api.restApi,
      ...context.apiDomain,
      role: r.apiRole,
      stageName: API_STAGE_NAME,
    });
  }
  return { region: env.region, api, control, iot, monitoring };
}

/** The names a region's IoT stack (`<idPrefix>-Iot`) gives the gateways' policy, thing group and role alias. */
function gatewayRegistryNames(idPrefix: string, region: string): GatewayRegistryNames {
  const iotStackName = `${idPrefix}-Iot`;
  return {
    region,
    policyName: `${iotStackName}-gateway`,
    thingGroupName: `${iotStackName}-gateways`,
    roleAlias: `${iotStackName}-token-exchange`,
  };
}
