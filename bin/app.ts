import { type App, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ApiStack } from '../stacks/api-stack.js';
import { ControlStack } from '../stacks/control-stack.js';
import { DataStack } from '../stacks/data-stack.js';
import { GATEWAY_THING_TYPE, IotStack } from '../stacks/iot-stack.js';
import { MonitoringStack } from '../stacks/monitoring-stack.js';
import { parseAppContext } from './config.js';

export interface HcpStacks {
  readonly data: DataStack;
  readonly api: ApiStack;
  readonly control: ControlStack;
  readonly iot: IotStack;
  readonly monitoring: MonitoringStack;
}

/** Builds every stack of the platform into `app`, with cdk-nag's AwsSolutions checks on the whole app. */
export function buildApp(app: App): HcpStacks {
  const context = parseAppContext(app.node.tryGetContext('hcp'));
  const env = { region: context.region, ...(context.account ? { account: context.account } : {}) };
  const prefix = `Hcp-${context.stage}`;

  const data = new DataStack(app, `${prefix}-Data`, { env });
  const iot = new IotStack(app, `${prefix}-Iot`, {
    env,
    siteIds: context.sites,
    telemetrySink: context.telemetrySink,
    ...(context.telemetryLifecycle ? { telemetryLifecycle: context.telemetryLifecycle } : {}),
    ...(context.athenaBytesScannedLimitMb ? { athenaBytesScannedLimitMb: context.athenaBytesScannedLimitMb } : {}),
    table: data.table,
    commandKey: data.commandSigning.gatewayEntry,
  });
  const control = new ControlStack(app, `${prefix}-Control`, {
    env,
    table: data.table,
    commandSigningKey: data.commandSigning.key,
    ...(context.market ? { marketSource: context.market } : {}),
    ...(context.qseAwardsSenderArn ? { qseAwardsSender: new iam.ArnPrincipal(context.qseAwardsSenderArn) } : {}),
    ...(context.partners ? { partnerIds: context.partners } : {}),
  });
  const api = new ApiStack(app, `${prefix}-Api`, {
    env,
    table: data.table,
    switchFlow: control.switchFlow,
    ...(context.evidenceRetentionDays ? { evidenceRetentionDays: context.evidenceRetentionDays } : {}),
    telemetryHistory: iot.telemetry,
    gateways: {
      thingGroup: iot.thingGroup,
      thingTypeName: GATEWAY_THING_TYPE,
      policy: iot.gatewayPolicy.policy,
      roleAlias: iot.roleAlias,
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
    ...(context.alarmEmail ? { alarmEmail: context.alarmEmail } : {}),
  });

  for (const stack of app.node.children) {
    if (stack instanceof Stack) {
      Tags.of(stack).add('project', 'hcp');
      Tags.of(stack).add('stage', context.stage);
    }
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { data, api, control, iot, monitoring };
}
