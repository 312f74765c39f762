import { Duration, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { HcpFunction } from './hcp-function.js';

export interface ApiAuthorizerProps {
  readonly table: ITable;
  readonly userPool: cognito.IUserPool;
  readonly userPoolClient: cognito.IUserPoolClient;
}

/**
 * The REQUEST authorizer (functions/auth/authorizer.ts): API keys by hash, Cognito ID tokens by signature.
 *
 * No result caching: API Gateway calls a caching REQUEST authorizer only when every identity source is present, and
 * callers send either `x-api-key` or `Authorization`, never both; caching keyed on both headers would refuse every
 * request with 401 before the authorizer runs. Uncached, a revoked key stops working on its next request; the cost
 * is one GetItem per request.
 */
export class ApiAuthorizer extends Construct {
  readonly authorizer: apigw.RequestAuthorizer;
  readonly fn: HcpFunction;

  constructor(scope: Construct, id: string, props: ApiAuthorizerProps) {
    super(scope, id);
    this.fn = new HcpFunction(this, 'Fn', {
      entry: 'functions/auth/authorizer.ts',
      serviceName: 'hcp-authorizer',
      timeout: Duration.seconds(5),
      environment: {
        TABLE_NAME: props.table.tableName,
        USER_POOL_ID: props.userPool.userPoolId,
        USER_POOL_CLIENT_ID: props.userPoolClient.userPoolClientId,
      },
    });
    // Reads only: the API key lookup item, the user's role record and the tenant's usage key.
    this.fn.fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [props.table.tableArn] }),
    );
    if (props.table.encryptionKey) {
      this.fn.fn.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [props.table.encryptionKey.keyArn] }),
      );
    }
    this.authorizer = new apigw.RequestAuthorizer(this, 'Authorizer', {
      handler: this.fn.fn,
      identitySources: [],
      resultsCacheTtl: Duration.seconds(0),
      authorizerName: `${Stack.of(this).stackName}-principal`,
    });
  }
}
