import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { ApiRoute } from '../functions/api/route.js';
import { API_ROUTES } from '../functions/api/routes.js';
import { ApiAuthorizer } from './constructs/api-authorizer.js';
import { ApiRoutes } from './constructs/api-routes.js';
import { ApiUsagePlans } from './constructs/api-usage-plans.js';
import { HcpUserPool } from './constructs/cognito-user-pool.js';
import { encryptedLogGroup } from './constructs/encrypted-log-group.js';
import { EvidenceBucket } from './constructs/evidence-bucket.js';
import type { GatewayOnboardingProps } from './constructs/gateway-onboarding.js';
import type { HistoryStoreNames } from './constructs/iceberg-telemetry-sink.js';
import { acknowledge } from './constructs/nag.js';
import type { TelemetrySink } from './constructs/telemetry-sink.js';
import { WebAcl } from './constructs/web-acl.js';

export interface ApiStackProps extends StackProps {
  readonly table: ITable;
  /** @default API_ROUTES, the whole route table */
  readonly routes?: readonly ApiRoute[];
  /** The SwitchFlow operator overrides start (from the control stack). */
  readonly switchFlow?: sfn.IStateMachine;
  /** The IoT registry the gateway onboarding routes work on (from the IoT stack). */
  readonly gateways?: GatewayOnboardingProps;
  /** Days each M&V evidence document stays locked (compliance mode). @default 2555 (7 years) */
  readonly evidenceRetentionDays?: number;
  /** The telemetry sink the history routes query (the IoT stack's). @default none: they answer 503 */
  readonly telemetryHistory?: Pick<TelemetrySink, 'grantHistoryQuery'>;
  /** The other regions' history stores, by name, for the routes that merge every region's history. @default none */
  readonly otherRegionsHistory?: readonly HistoryStoreNames[];
}

/** Stage name in the invoke URL; routes carry their own `/v1` so local and deployed paths are the same. */
export const API_STAGE_NAME = 'live';

/** Gateway-generated errors (authorizer refusals, validation, throttling) in the API's own error shape. */
const GATEWAY_ERRORS: [apigw.ResponseType, string][] = [
  [apigw.ResponseType.BAD_REQUEST_BODY, 'validation-failed'],
  [apigw.ResponseType.BAD_REQUEST_PARAMETERS, 'validation-failed'],
  [apigw.ResponseType.UNAUTHORIZED, 'unauthorized'],
  [apigw.ResponseType.ACCESS_DENIED, 'forbidden'],
  [apigw.ResponseType.THROTTLED, 'throttled'],
  [apigw.ResponseType.QUOTA_EXCEEDED, 'quota-exceeded'],
  [apigw.ResponseType.DEFAULT_4XX, 'client-error'],
  [apigw.ResponseType.DEFAULT_5XX, 'gateway-error'],
];

/**
 * A throttled client is told when to retry. A gateway response can only carry static header values, so this is 1 s,
 * the refill time of one token at any plan's rate (every plan's rateLimit is at least 1 request/s); the local API
 * computes the exact wait from its bucket (core/api/rate-limit.ts).
 */
const THROTTLED_HEADERS = { 'Retry-After': "'1'" };

/**
 * The customer, admin and operator REST API: every route of the route table with its Lambda, the REQUEST
 * authorizer (API keys and Cognito JWTs), the Cognito user pool, usage plans per tenant, request validation,
 * access logs, tracing and WAF.
 */
export class ApiStack extends Stack {
  readonly restApi: apigw.RestApi;
  readonly functions: IFunction[] = [];
  readonly routes: ApiRoutes;
  readonly users: HcpUserPool;
  /** The M&V evidence, immutable (S3 Object Lock, compliance mode). */
  readonly evidence: EvidenceBucket;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const accessLogs = encryptedLogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.THREE_MONTHS });
    this.restApi = new apigw.RestApi(this, 'RestApi', {
      description: 'HCP customer and operator API',
      cloudWatchRole: true,
      // Each tenant's usage-plan key comes from the authorizer, never from the client.
      apiKeySourceType: apigw.ApiKeySourceType.AUTHORIZER,
      deployOptions: {
        stageName: API_STAGE_NAME,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
        tracingEnabled: true,
        loggingLevel: apigw.MethodLoggingLevel.INFO,
        dataTraceEnabled: false,
        metricsEnabled: true,
        // Account-wide ceiling; per-tenant limits come from usage plans.
        throttlingRateLimit: 500,
        throttlingBurstLimit: 1000,
      },
      endpointTypes: [apigw.EndpointType.REGIONAL],
    });
    acknowledge(
      this.restApi,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      'API Gateway’s account-level CloudWatch role needs exactly this AWS-maintained policy to write execution logs.',
    );
    acknowledge(
      this.restApi.deploymentStage,
      'NIST.800.53.R5-APIGWCacheEnabledAndEncrypted',
      'No stage cache: answers depend on the caller’s tenant and role and change with every dispatch; a cache keyed ' +
        'by path could hand one tenant’s answer to another or show an operator a stale switch state.',
    );
    acknowledge(
      this.restApi.deploymentStage,
      'NIST.800.53.R5-APIGWSSLEnabled',
      'The client certificate it asks for authenticates API Gateway to an HTTP backend; every integration here is a ' +
        'Lambda proxy invoked through IAM, so there is no backend to present it to.',
    );
    new WebAcl(this, 'Waf', { stage: this.restApi.deploymentStage });
    for (const [type, code] of GATEWAY_ERRORS) {
      this.restApi.addGatewayResponse(`Error${type.responseType}`, {
        type,
        ...(type === apigw.ResponseType.THROTTLED ? { responseHeaders: THROTTLED_HEADERS } : {}),
        templates: {
          'application/json':
            `{"error":{"code":"${code}","message":$context.error.messageString,` +
            '"detail":"$util.escapeJavaScript($context.error.validationErrorString)","requestId":"$context.requestId"}}',
        },
      });
    }

    this.users = new HcpUserPool(this, 'Users');
    // Here rather than in the data stack: the evidence route's grant then names the bucket in its own stack (a
    // cross-stack export's generated name could not be acknowledged to cdk-nag). Retained, and Object Lock holds
    // every document whatever happens to the stack.
    this.evidence = new EvidenceBucket(this, 'Evidence', {
      ...(props.evidenceRetentionDays ? { retentionDays: props.evidenceRetentionDays } : {}),
    });
    const authorizer = new ApiAuthorizer(this, 'Auth', {
      table: props.table,
      userPool: this.users.userPool,
      userPoolClient: this.users.client,
    });
    this.routes = new ApiRoutes(this, 'Routes', {
      restApi: this.restApi,
      routes: props.routes ?? API_ROUTES,
      table: props.table,
      authorizer: authorizer.authorizer,
      stageName: API_STAGE_NAME,
      ...(props.switchFlow ? { switchFlow: props.switchFlow } : {}),
      ...(props.gateways ? { gateways: props.gateways } : {}),
      ...(props.telemetryHistory ? { telemetryHistory: props.telemetryHistory } : {}),
      ...(props.otherRegionsHistory ? { otherRegionsHistory: props.otherRegionsHistory } : {}),
      evidence: this.evidence,
    });
    new ApiUsagePlans(this, 'UsagePlans', { restApi: this.restApi });
    this.functions.push(authorizer.fn.fn, ...[...this.routes.functions.values()].map((f) => f.fn));

    new CfnOutput(this, 'UserPoolId', { value: this.users.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.users.client.userPoolClientId });
  }
}
