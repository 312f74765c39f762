import { NestedStack, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { allSitesTopicResource } from '../../core/messages/topics.js';
import { draft4BodySchema, routeParameters } from '../../functions/api/openapi/document.js';
import type { ApiRoute } from '../../functions/api/route.js';
import { TABLE_KEYS } from '../../functions/shared/data/table-design.js';
import type { EvidenceBucket } from './evidence-bucket.js';
import { type GatewayOnboardingProps, grantGatewayOnboarding } from './gateway-onboarding.js';
import { HcpFunction } from './hcp-function.js';
import { grantOtherRegionsHistoryQuery, type HistoryStoreNames } from './iceberg-telemetry-sink.js';
import { grantSiteConfigShadowUpdate, grantTopicPublish } from './iot-topics.js';
import { acknowledge } from './nag.js';
import { TABLE_ITEM_ACTIONS } from './table-access.js';
import type { TelemetrySink } from './telemetry-sink.js';
import { TenantDataRole } from './tenant-data-role.js';

export interface ApiRoutesProps {
  readonly restApi: apigw.RestApi;
  readonly routes: readonly ApiRoute[];
  readonly table: ITable;
  readonly authorizer: apigw.IAuthorizer;
  /** The deployment stage's name, as a literal: the invoke permissions name it without referring to the stage. */
  readonly stageName: string;
  /** The SwitchFlow the override routes start (`startsSwitchFlow`); without it those routes are refused at synth. */
  readonly switchFlow?: sfn.IStateMachine;
  /** The IoT registry the gateway onboarding routes work on (`managesGatewayIdentities`); required by those routes. */
  readonly gateways?: GatewayOnboardingProps;
  /** Where the evidence route stores M&V evidence (`writesEvidence`); required by that route. */
  readonly evidence?: EvidenceBucket;
  /**
   * The telemetry sink the history routes (`readsTelemetryHistory`) query; a sink without an Athena history
   * (Timestream) gives them no grant, and they answer 503. @default none
   */
  readonly telemetryHistory?: Pick<TelemetrySink, 'grantHistoryQuery'>;
  /**
   * The other regions' history stores, by name (`historyStoreNames`): the routes that merge every region's history
   * (`readsEveryRegionHistory`) are granted them. @default none (one region, or a sink without an Athena history)
   */
  readonly otherRegionsHistory?: readonly HistoryStoreNames[];
  /** @default 'hcp-api' */
  readonly serviceName?: string;
}

/** Reads for GET routes; the item actions (transactions included) for the rest. */
const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'];

const pascal = (id: string) => id.charAt(0).toUpperCase() + id.slice(1);

/**
 * Every route of the route table as an API Gateway method with its own Lambda (built from the route's `entry`):
 * the methods, models and validator in the API's stack, each Lambda (with its role, policy, log group and invoke
 * permissions) in a nested stack per route tag, so the API stack stays under CloudFormation's 500 resources however many
 * routes there are, and a route added under a tag changes no other logical id; the authorizer on every non-public method, a usage-plan key required (per-tenant throttling), required parameters
 * and the JSON body validated by the gateway against the same zod schemas the handler uses, and table access cut to
 * what the route's method needs (the gsi1 index by name, no wildcard).
 */
export class ApiRoutes extends Construct {
  readonly functions = new Map<string, HcpFunction>();
  readonly methods = new Map<string, apigw.Method>();
  /** The nested stacks holding the routes' Lambdas, by route tag (its first). */
  readonly functionStacks = new Map<string, NestedStack>();
  /** What the tenant routes' sessions reach (#23 item 5); undefined when no route is tenant-scoped. */
  readonly tenantData?: TenantDataRole;

  constructor(scope: Construct, id: string, props: ApiRoutesProps) {
    super(scope, id);
    const validator = new apigw.RequestValidator(this, 'Validator', {
      restApi: props.restApi,
      validateRequestParameters: true,
      validateRequestBody: true,
    });
    const tenantScoped: HcpFunction[] = [];
    for (const route of props.routes) {
      const fn = new HcpFunction(this.functionStack(route), pascal(route.operationId), {
        entry: route.entry,
        serviceName: props.serviceName ?? 'hcp-api',
      });
      if (route.tenantScoped) {
        // No table grant: its table work goes through sessions of the tenant-data role, created below.
        tenantScoped.push(fn);
        fn.fn.addEnvironment('TABLE_NAME', props.table.tableName);
      } else if (route.roles !== 'public') {
        grantTable(fn, props.table, route.method === 'GET' && !route.writesEvidence ? 'read' : 'readWrite');
      }
      if (route.writesEvidence) {
        if (!props.evidence) throw new Error(`route ${route.operationId} stores evidence: pass evidence`);
        props.evidence.grantWriteOnce(fn);
      }
      if (route.readsTelemetryHistory) props.telemetryHistory?.grantHistoryQuery?.(fn);
      if (route.readsEveryRegionHistory && props.otherRegionsHistory?.length) {
        grantOtherRegionsHistoryQuery(fn, props.otherRegionsHistory);
      }
      if (route.startsSwitchFlow) {
        if (!props.switchFlow) throw new Error(`route ${route.operationId} starts SwitchFlow: pass switchFlow`);
        props.switchFlow.grantStartExecution(fn.fn);
        fn.fn.addEnvironment('SWITCH_FLOW_ARN', props.switchFlow.stateMachineArn);
      }
      if (route.publishesGpuNodeCommands) {
        grantSiteTopicPublish(fn, 'gpu-node-commands', 'Operators command the GPU nodes of any site');
      }
      if (route.publishesJobCancels) {
        grantSiteTopicPublish(fn, 'job-cancels', 'A customer cancels a job at whichever site it was routed to');
      }
      if (route.publishesSiteConfig) grantSiteConfigShadowUpdate(fn.fn);
      if (route.managesGatewayIdentities) {
        if (!props.gateways) throw new Error(`route ${route.operationId} onboards gateways: pass gateways`);
        grantGatewayOnboarding(fn, props.gateways);
      }
      const method = props.restApi.root.resourceForPath(route.resource).addMethod(route.method, lambdaProxy(fn), {
        operationName: route.operationId,
        requestValidator: validator,
        requestParameters: Object.fromEntries(
          routeParameters(route).map((p) => [
            `method.request.${p.in === 'query' ? 'querystring' : p.in}.${p.name}`,
            p.required,
          ]),
        ),
        ...(route.request?.body ? { requestModels: { 'application/json': this.bodyModel(props.restApi, route) } } : {}),
        ...(route.roles === 'public'
          ? { authorizationType: apigw.AuthorizationType.NONE }
          : { authorizer: props.authorizer, apiKeyRequired: true }),
      });
      allowInvoke(fn, props.restApi, route, props.stageName);
      acknowledgeAuthorization(method, route);
      this.functions.set(route.operationId, fn);
      this.methods.set(route.operationId, method);
    }
    if (tenantScoped.length > 0) {
      this.tenantData = new TenantDataRole(this, 'TenantData', { table: props.table, functions: tenantScoped });
    }
  }

  /** The nested stack of the route's first tag, created with the first route carrying it. */
  private functionStack(route: ApiRoute): NestedStack {
    const tag = route.tags[0];
    if (!tag) throw new Error(`route ${route.operationId} has no tag: its Lambda needs one to pick its nested stack`);
    let stack = this.functionStacks.get(tag);
    if (!stack) {
      stack = new NestedStack(this, `${pascal(tag)}Functions`, {
        description: `HCP API: the Lambdas of the ${tag} routes`,
      });
      this.functionStacks.set(tag, stack);
    }
    return stack;
  }

  private bodyModel(restApi: apigw.RestApi, route: ApiRoute): apigw.Model {
    return restApi.addModel(`${pascal(route.operationId)}Body`, {
      contentType: 'application/json',
      modelName: `${pascal(route.operationId)}Body`,
      schema: draft4BodySchema(route.request!.body!) as apigw.JsonSchema,
    });
  }
}

/**
 * The Lambda proxy integration apigw.LambdaIntegration makes (the same URI), without the invoke permissions it adds
 * beside the method: allowInvoke puts them beside the function, in its nested stack (two per route).
 */
function lambdaProxy(fn: HcpFunction): apigw.Integration {
  return new apigw.AwsIntegration({
    proxy: true,
    service: 'lambda',
    path: `2015-03-31/functions/${fn.fn.functionArn}/invocations`,
  });
}

/**
 * lambda:InvokeFunction for API Gateway on this route's method only, from the live stage and from the console's test
 * invoke: the source ARNs apigw.Method's methodArn and testMethodArn name, with the stage by name (a reference to the
 * stage would make the function's nested stack wait for the deployment, which waits for the methods).
 */
function allowInvoke(fn: HcpFunction, restApi: apigw.RestApi, route: ApiRoute, stageName: string): void {
  const principal = new iam.ServicePrincipal('apigateway.amazonaws.com');
  const path = route.resource.replace(/\{[^}]*\}/g, '*');
  fn.fn.addPermission('ApiInvoke', { principal, sourceArn: restApi.arnForExecuteApi(route.method, path, stageName) });
  fn.fn.addPermission('ApiTestInvoke', {
    principal,
    sourceArn: restApi.arnForExecuteApi(route.method, path, 'test-invoke-stage'),
  });
}

function grantTable(fn: HcpFunction, table: ITable, access: 'read' | 'readWrite'): void {
  const actions = access === 'read' ? READ_ACTIONS : [...TABLE_ITEM_ACTIONS];
  fn.fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources: [table.tableArn] }));
  fn.fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:Query'],
      resources: [
        Stack.of(fn).formatArn({
          service: 'dynamodb',
          resource: 'table',
          resourceName: `${table.tableName}/index/${TABLE_KEYS.gsi1.name}`,
        }),
      ],
    }),
  );
  if (table.encryptionKey) {
    const kms = access === 'read' ? ['kms:Decrypt'] : ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'];
    fn.fn.addToRolePolicy(new iam.PolicyStatement({ actions: kms, resources: [table.encryptionKey.keyArn] }));
  }
  fn.fn.addEnvironment('TABLE_NAME', table.tableName);
}

/** iot:Publish on every site's `gpu-node-commands` topic and no other: an operator may command any site's nodes. */
function grantSiteTopicPublish(fn: HcpFunction, kind: 'gpu-node-commands' | 'job-cancels', why: string): void {
  grantTopicPublish(fn.fn, allSitesTopicResource(kind), `${why}: the sites’ ${kind} topics, and only those.`);
}

function acknowledgeAuthorization(method: apigw.Method, route: ApiRoute): void {
  if (route.roles === 'public') {
    const reason = `${route.resource} is public by design: it reads no tenant data.`;
    acknowledge(method, 'AwsSolutions-APIG4', reason);
    acknowledge(method, 'AwsSolutions-COG4', reason);
    return;
  }
  acknowledge(
    method,
    'AwsSolutions-COG4',
    'The Lambda REQUEST authorizer verifies Cognito ID tokens itself (aws-jwt-verify) and also accepts hashed API ' +
      'keys for machines, which a Cognito user pool authorizer cannot.',
  );
}
