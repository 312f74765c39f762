import { Stack, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { HcpFunction } from './constructs/hcp-function.js';
import { acknowledge } from './constructs/nag.js';
import { WebAcl } from './constructs/web-acl.js';

export interface ApiStackProps extends StackProps {
  readonly table: ITable;
}

/** Stage name in the invoke URL; routes carry their own `/v1` so local and deployed paths are the same. */
export const API_STAGE_NAME = 'live';

/** The customer and operator REST API: API Gateway with access logs, tracing, request validation and WAF. */
export class ApiStack extends Stack {
  readonly restApi: apigw.RestApi;
  readonly functions: IFunction[] = [];

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.THREE_MONTHS });
    this.restApi = new apigw.RestApi(this, 'RestApi', {
      description: 'HCP customer and operator API',
      cloudWatchRole: true,
      deployOptions: {
        stageName: API_STAGE_NAME,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
        tracingEnabled: true,
        loggingLevel: apigw.MethodLoggingLevel.INFO,
        dataTraceEnabled: false,
        metricsEnabled: true,
        // Account-wide ceiling; per-tenant quotas come from usage plans.
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
    new WebAcl(this, 'Waf', { stage: this.restApi.deploymentStage });

    const v1 = this.restApi.root.addResource('v1');
    const health = new HcpFunction(this, 'Health', { entry: 'functions/api/health.ts', serviceName: 'hcp-api' });
    this.functions.push(health.fn);
    const healthMethod = v1.addResource('health').addMethod('GET', new apigw.LambdaIntegration(health.fn), {
      requestValidator: new apigw.RequestValidator(this, 'ParamsValidator', {
        restApi: this.restApi,
        validateRequestParameters: true,
        validateRequestBody: true,
      }),
    });
    acknowledge(healthMethod, 'AwsSolutions-APIG4', 'The health check is public by design: it reads no data.');
    acknowledge(healthMethod, 'AwsSolutions-COG4', 'The health check is public by design: it reads no data.');
  }
}
