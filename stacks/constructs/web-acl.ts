import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { USAGE_PLAN_LIMITS } from '../../core/api/tenants.js';
import { encryptedLogGroup } from './encrypted-log-group.js';

/** Headers that carry a credential: WAF logs show them redacted. */
export const WAF_REDACTED_HEADERS = ['authorization', 'x-api-key'] as const;

/** WAF counts rate-based rules over a 5-minute window (its default evaluation window). */
export const WAF_WINDOW_S = 300;
/** Headroom over a plan's sustained rate before WAF blocks: the plan's own throttle (429) answers first. */
export const CREDENTIAL_MARGIN = 1.5;
/** Tenants behind one address (a NAT, a corporate proxy) that may each run at the largest plan's rate. */
export const TENANTS_PER_IP = 4;
/** Requests without any credential (scanners, probes), per IP per 5 minutes: nothing legitimate sends many. */
export const ANONYMOUS_IP_LIMIT_PER_5MIN = 500;

/**
 * The rate limits, from the usage plans: a credential (API key or bearer token) may send its plan's rate with margin
 * before WAF blocks it; an address may carry several tenants at the largest plan's rate; anonymous requests get a
 * small per-IP budget. Before (#23 item 2): 2,000 per IP per 5 minutes (≈ 6.7/s) blocked a tenant behind one NAT
 * address at a third of the standard plan's 20/s.
 */
export function wafRateLimits(plans = Object.values(USAGE_PLAN_LIMITS)) {
  const largestPer5Min = Math.max(...plans.map((p) => p.rateLimit)) * WAF_WINDOW_S;
  return {
    credentialPer5Min: Math.ceil(largestPer5Min * CREDENTIAL_MARGIN),
    ipPer5Min: largestPer5Min * TENANTS_PER_IP,
    anonymousIpPer5Min: ANONYMOUS_IP_LIMIT_PER_5MIN,
  };
}

export interface WebAclProps {
  readonly stage: apigw.Stage;
  /** @default wafRateLimits() of the usage plans */
  readonly limits?: ReturnType<typeof wafRateLimits>;
}

const visibility = (metricName: string) => ({
  cloudWatchMetricsEnabled: true,
  metricName,
  sampledRequestsEnabled: true,
});

function managedRule(name: string, priority: number): wafv2.CfnWebACL.RuleProperty {
  return {
    name,
    priority,
    overrideAction: { none: {} },
    statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
    visibilityConfig: visibility(name),
  };
}

/** A header's presence (WAF has no "exists": a size over 0 bytes). */
const headerPresent = (name: string): wafv2.CfnWebACL.StatementProperty => ({
  sizeConstraintStatement: {
    fieldToMatch: { singleHeader: { Name: name } },
    comparisonOperator: 'GT',
    size: 0,
    textTransformations: [{ priority: 0, type: 'NONE' }],
  },
});

/** Blocks one value of `header` (a credential) above `limit` per 5 minutes; requests without it are not counted. */
function credentialRule(name: string, priority: number, header: string, limit: number): wafv2.CfnWebACL.RuleProperty {
  return {
    name,
    priority,
    action: { block: {} },
    statement: {
      rateBasedStatement: {
        limit,
        evaluationWindowSec: WAF_WINDOW_S,
        aggregateKeyType: 'CUSTOM_KEYS',
        customKeys: [{ header: { name: header, textTransformations: [{ priority: 0, type: 'NONE' }] } }],
      },
    },
    visibilityConfig: visibility(name),
  };
}

/**
 * WAF on the API stage: AWS common and known-bad-input rules; a rate limit per credential (x-api-key, or the
 * Authorization header's bearer token) above the largest plan; a per-IP limit sized for several tenants behind one
 * address; a small per-IP limit for requests carrying no credential.
 */
export class WebAcl extends Construct {
  constructor(scope: Construct, id: string, props: WebAclProps) {
    super(scope, id);
    const limits = props.limits ?? wafRateLimits();
    const acl = new wafv2.CfnWebACL(this, 'Acl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('hcp-api'),
      rules: [
        managedRule('AWSManagedRulesCommonRuleSet', 1),
        managedRule('AWSManagedRulesKnownBadInputsRuleSet', 2),
        credentialRule('api-key-rate-limit', 3, 'x-api-key', limits.credentialPer5Min),
        credentialRule('bearer-rate-limit', 4, 'authorization', limits.credentialPer5Min),
        {
          name: 'ip-rate-limit',
          priority: 5,
          action: { block: {} },
          statement: {
            rateBasedStatement: { limit: limits.ipPer5Min, evaluationWindowSec: WAF_WINDOW_S, aggregateKeyType: 'IP' },
          },
          visibilityConfig: visibility('ip-rate-limit'),
        },
        {
          name: 'anonymous-ip-rate-limit',
          priority: 6,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: limits.anonymousIpPer5Min,
              evaluationWindowSec: WAF_WINDOW_S,
              aggregateKeyType: 'IP',
              scopeDownStatement: {
                notStatement: {
                  statement: {
                    orStatement: { statements: [headerPresent('x-api-key'), headerPresent('authorization')] },
                  },
                },
              },
            },
          },
          visibilityConfig: visibility('anonymous-ip-rate-limit'),
        },
      ],
    });
    // WAF writes only to log groups named aws-waf-logs-*; the credential headers are redacted so the logs hold no
    // usable key or token (NIST 800-53 AU-2, AU-9; the SOC 2 CC7.2 monitoring record).
    const logGroup = encryptedLogGroup(this, 'Logs', {
      logGroupName: `aws-waf-logs-${Stack.of(this).stackName}`,
      retention: logs.RetentionDays.THREE_MONTHS,
    });
    new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: acl.attrArn,
      logDestinationConfigs: [
        Stack.of(this).formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: logGroup.logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      redactedFields: WAF_REDACTED_HEADERS.map((name) => ({ singleHeader: { Name: name } })),
    });
    new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.stage.stageArn,
      webAclArn: acl.attrArn,
    });
  }
}
