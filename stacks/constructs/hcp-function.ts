import path from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { encryptedLogGroup } from './encrypted-log-group.js';
import { acknowledge, acknowledgeLambdaFindings } from './nag.js';

// The CDK CLI, npm scripts and jest all run from the project root (where cdk.json is); neither __dirname nor
// import.meta works in both tsx (ESM) and jest (CommonJS).
const PROJECT_ROOT = process.cwd();

export interface HcpFunctionProps {
  /** Handler module relative to the project root, e.g. `functions/api/health.ts`. */
  readonly entry: string;
  /** Powertools service name (logs, traces, metrics dimension). */
  readonly serviceName: string;
  /** @default 256 */
  readonly memorySizeMb?: number;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** Extra environment variables. @default none */
  readonly environment?: Record<string, string>;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Packages installed beside the bundle instead of bundled: for modules that load files next to themselves at run
   * time (highs loads its highs.wasm from its own directory).
   */
  readonly nodeModules?: readonly string[];
}

/**
 * The project's Lambda function: fixes the defaults every handler shares (Node.js 24 on arm64, X-Ray tracing, an
 * explicit log group with retention, an ESM bundle with source maps built by the local esbuild, Powertools
 * environment) and an execution role without AWS managed policies.
 */
export class HcpFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: HcpFunctionProps) {
    super(scope, id);
    this.logGroup = encryptedLogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.serviceName}: execution role`,
    });
    this.fn = new NodejsFunction(this, 'Fn', {
      entry: path.join(PROJECT_ROOT, props.entry),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySizeMb ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      role,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: 'HCP',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        // ESM bundles lack `require`; some AWS SDK internals still call it.
        banner: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
        mainFields: ['module', 'main'],
        forceDockerBundling: false,
        ...(props.nodeModules ? { nodeModules: [...props.nodeModules] } : {}),
      },
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn, `${this.logGroup.logGroupArn}:*`],
      }),
    );
    acknowledgeLambdaFindings(this.fn);
    acknowledge(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions (AWS X-Ray IAM reference).',
    );
    acknowledge(
      role,
      `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.logGroup.node.defaultChild as logs.CfnLogGroup)}.Arn>:*]`,
      'Log streams are created at run time under this function’s own log group only.',
    );
  }

  /** Grants table access and sets TABLE_NAME in one call, so the two never drift apart. */
  bindTable(table: ITable, access: 'read' | 'readWrite'): this {
    if (access === 'read') table.grantReadData(this.fn);
    else table.grantReadWriteData(this.fn);
    this.fn.addEnvironment('TABLE_NAME', table.tableName);
    return this;
  }
}
