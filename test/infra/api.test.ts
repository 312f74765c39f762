import { Match } from 'aws-cdk-lib/assertions';
import { USAGE_PLAN_LIMITS } from '../../core/api/tenants.js';
import { API_ROUTES } from '../../functions/api/routes.js';
import { apiTemplate, synthesizedApp } from './app-fixture.js';

const { app, stacks } = synthesizedApp();
const api = apiTemplate(stacks.api);
const methods = Object.values(api.findResources('AWS::ApiGateway::Method')).map((m) => m.Properties);
const operation = (operationId: string) => methods.find((m) => m.OperationName === operationId);

describe('api stack: routes from the route table', () => {
  it('synthesizes the whole app under cdk-nag with no unacknowledged finding', () => {
    expect(() => app.synth()).not.toThrow();
  });

  it('has one method per route of the table, each with its own Lambda proxy integration', () => {
    for (const route of API_ROUTES) {
      expect(operation(route.operationId)).toMatchObject({
        HttpMethod: route.method,
        Integration: expect.objectContaining({ Type: 'AWS_PROXY' }),
      });
    }
    expect(methods).toHaveLength(API_ROUTES.length);
  });

  it('puts the authorizer and a usage-plan key on every non-public method, and nothing on public ones', () => {
    for (const route of API_ROUTES) {
      const method = operation(route.operationId)!;
      if (route.roles === 'public') {
        expect(method.AuthorizationType).toBe('NONE');
      } else {
        expect(method.AuthorizationType).toBe('CUSTOM');
        expect(method.AuthorizerId).toBeDefined();
        expect(method.ApiKeyRequired).toBe(true);
      }
    }
  });

  it('validates required parameters and JSON bodies at the gateway', () => {
    api.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
    expect(operation('submitWorkload')).toMatchObject({
      RequestParameters: { 'method.request.header.idempotency-key': true },
      RequestModels: { 'application/json': expect.anything() },
    });
    expect(operation('getWorkload')?.RequestParameters).toEqual({ 'method.request.path.workloadId': true });
    api.hasResourceProperties('AWS::ApiGateway::Model', {
      Name: 'SubmitWorkloadBody',
      Schema: Match.objectLike({ additionalProperties: false, required: Match.arrayWith(['modelId', 'tier']) }),
    });
  });

  it('answers gateway errors in the API’s error shape', () => {
    api.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'BAD_REQUEST_BODY',
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp('"code":"validation-failed"') },
    });
    api.hasResourceProperties('AWS::ApiGateway::GatewayResponse', { ResponseType: 'UNAUTHORIZED' });
  });

  it('tells a throttled client when to retry: 429 in the API’s shape with a Retry-After header', () => {
    // The static 1 s is enough for a token only while every plan refills at least one request a second.
    for (const limits of Object.values(USAGE_PLAN_LIMITS)) expect(limits.rateLimit).toBeGreaterThanOrEqual(1);
    api.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'THROTTLED',
      ResponseParameters: { 'gatewayresponse.header.Retry-After': "'1'" },
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp('"code":"throttled"') },
    });
  });
});

describe('api stack: identity', () => {
  it('uses an uncached REQUEST authorizer backed by a Lambda that knows the user pool and client', () => {
    api.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'REQUEST', AuthorizerResultTtlInSeconds: 0 });
    api.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          USER_POOL_ID: Match.anyValue(),
          USER_POOL_CLIENT_ID: Match.anyValue(),
          POWERTOOLS_SERVICE_NAME: 'hcp-authorizer',
        }),
      },
    });
  });

  it('has a user pool with tenant and role attributes that the app client cannot write, and a group per role', () => {
    api.hasResourceProperties('AWS::Cognito::UserPool', {
      Schema: Match.arrayWith([
        Match.objectLike({ Name: 'tenantId', AttributeDataType: 'String' }),
        Match.objectLike({ Name: 'role', AttributeDataType: 'String' }),
      ]),
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'OPTIONAL',
    });
    const [client] = Object.values(api.findResources('AWS::Cognito::UserPoolClient'));
    expect(client?.Properties.WriteAttributes).toEqual(['email']);
    expect(client?.Properties.ReadAttributes).toEqual(expect.arrayContaining(['custom:tenantId', 'custom:role']));
    api.resourceCountIs('AWS::Cognito::UserPoolGroup', 4);
  });

  it('takes usage-plan keys from the authorizer and offers standard and premium plans with throttles', () => {
    api.hasResourceProperties('AWS::ApiGateway::RestApi', { ApiKeySourceType: 'AUTHORIZER' });
    api.resourceCountIs('AWS::ApiGateway::UsagePlan', 2);
    api.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 20, BurstLimit: 40 },
      Quota: { Limit: 200000, Period: 'DAY' },
    });
  });

  it('throttles each plan with the limits the local API enforces (one table)', () => {
    for (const limits of Object.values(USAGE_PLAN_LIMITS)) {
      api.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
        Throttle: { RateLimit: limits.rateLimit, BurstLimit: limits.burstLimit },
        Quota: { Limit: limits.quotaPerDay, Period: 'DAY' },
      });
    }
  });
});

describe('api stack: least privilege', () => {
  const policies = Object.values(api.findResources('AWS::IAM::Policy')).map((p) => JSON.stringify(p.Properties));
  const policyOf = (logicalIdPart: string) =>
    Object.entries(api.findResources('AWS::IAM::Policy')).find(([id]) => id.includes(logicalIdPart))?.[1];

  it('gives a GET route only reads, a mutating route item writes, and the authorizer only GetItem', () => {
    // Routes on their own table grant (tenant routes have none: test/infra/tenant-data-access.test.ts).
    const list = JSON.stringify(policyOf('ListTenants'));
    const submit = JSON.stringify(policyOf('CreateTenant'));
    const authorizer = JSON.stringify(policyOf('AuthFn'));
    expect(list).toContain('dynamodb:Query');
    expect(list).not.toContain('dynamodb:PutItem');
    expect(submit).toContain('dynamodb:PutItem');
    expect(authorizer).toContain('dynamodb:GetItem');
    expect(authorizer).not.toMatch(/dynamodb:(PutItem|UpdateItem|DeleteItem|Query)/);
  });

  it('names the index it queries rather than a wildcard, and public routes get no table access', () => {
    expect(policies.some((p) => p.includes('/index/gsi1'))).toBe(true);
    expect(policies.every((p) => !p.includes('/index/*'))).toBe(true);
    expect(JSON.stringify(policyOf('GetHealth') ?? {})).not.toContain('dynamodb');
  });
});
