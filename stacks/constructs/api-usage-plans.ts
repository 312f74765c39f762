import { CfnOutput } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { Construct } from 'constructs';
import { USAGE_PLAN_LIMITS, USAGE_PLANS, type UsagePlan } from '../../core/api/tenants.js';

export interface ApiUsagePlansProps {
  readonly restApi: apigw.RestApi;
}

/**
 * The usage plans a tenant can be on, with the limits of USAGE_PLAN_LIMITS (core/api/tenants.ts; the local API's
 * throttle reads the same table). API Gateway applies a plan's throttle and quota to each API key in it, i.e. to each
 * tenant. A tenant gets one API Gateway API key (its usage key, not a credential: the API's apiKeySource is
 * AUTHORIZER, so the authorizer returns it as usageIdentifierKey) attached to its plan; see docs/API.md "Usage plans"
 * for the onboarding steps. The plan ids are stack outputs.
 */
export class ApiUsagePlans extends Construct {
  readonly plans = new Map<UsagePlan, apigw.UsagePlan>();

  constructor(scope: Construct, id: string, props: ApiUsagePlansProps) {
    super(scope, id);
    for (const name of USAGE_PLANS) {
      const limits = USAGE_PLAN_LIMITS[name];
      const plan = new apigw.UsagePlan(this, name, {
        name: `${props.restApi.restApiName}-${name}`,
        description: `HCP ${name} tenants`,
        throttle: { rateLimit: limits.rateLimit, burstLimit: limits.burstLimit },
        quota: { limit: limits.quotaPerDay, period: apigw.Period.DAY },
        apiStages: [{ api: props.restApi, stage: props.restApi.deploymentStage }],
      });
      this.plans.set(name, plan);
      new CfnOutput(this, `${name}PlanId`, {
        value: plan.usagePlanId,
        description: `usage plan id for ${name} tenants`,
      });
    }
  }
}
