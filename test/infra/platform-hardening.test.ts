import { Match, Template } from 'aws-cdk-lib/assertions';
import { USAGE_PLAN_LIMITS } from '../../core/api/tenants.js';
import { WAF_WINDOW_S, wafRateLimits } from '../../stacks/constructs/web-acl.js';
import { apiTemplate, synthesizedApp } from './app-fixture.js';

const { stacks } = synthesizedApp();
const api = apiTemplate(stacks.api);
const control = Template.fromStack(stacks.control);

type Rule = { Name: string; Statement: { RateBasedStatement?: Record<string, any> } };
const wafRules = (): Rule[] => {
  const [acl] = Object.values(api.findResources('AWS::WAFv2::WebACL'));
  return acl?.Properties.Rules as Rule[];
};
const rateRule = (name: string) => {
  const rule = wafRules().find((r) => r.Name === name);
  if (!rule?.Statement.RateBasedStatement) throw new Error(`no rate-based WAF rule ${name}`);
  return rule.Statement.RateBasedStatement;
};

describe('WAF rate limits against the usage plans (#23 item 2)', () => {
  const plans = Object.values(USAGE_PLAN_LIMITS);
  const largestPer5Min = Math.max(...plans.map((p) => p.rateLimit)) * WAF_WINDOW_S;

  it('lets every credential send its plan’s rate (the largest plan’s, with margin) before WAF blocks it', () => {
    // Prepare
    const limits = wafRateLimits();

    // Assess: keyed on the credential header, above every plan's 5-minute volume.
    for (const [name, header] of [
      ['api-key-rate-limit', 'x-api-key'],
      ['bearer-rate-limit', 'authorization'],
    ] as const) {
      const rule = rateRule(name);
      expect(rule.AggregateKeyType).toBe('CUSTOM_KEYS');
      expect(rule.CustomKeys).toEqual([{ Header: { Name: header, TextTransformations: expect.any(Array) } }]);
      expect(rule.EvaluationWindowSec).toBe(WAF_WINDOW_S);
      expect(rule.Limit).toBe(limits.credentialPer5Min);
      expect(rule.Limit).toBeGreaterThan(largestPer5Min);
    }
  });

  it('lets several tenants at the largest plan share one address, and never blocks an IP below one plan', () => {
    // Prepare
    const ip = rateRule('ip-rate-limit');

    // Assess: before, 2,000 per IP per 5 minutes (6.7/s) cut off a standard tenant (20/s) behind a NAT.
    expect(ip.AggregateKeyType).toBe('IP');
    expect(ip.Limit).toBeGreaterThanOrEqual(2 * largestPer5Min);
    for (const plan of plans) expect(ip.Limit).toBeGreaterThan(plan.rateLimit * WAF_WINDOW_S);
    expect(ip.Limit).toBeGreaterThan(rateRule('api-key-rate-limit').Limit);
  });

  it('keeps a small per-IP budget only for requests that carry no credential', () => {
    // Prepare
    const anonymous = rateRule('anonymous-ip-rate-limit');

    // Assess
    expect(anonymous.AggregateKeyType).toBe('IP');
    expect(anonymous.Limit).toBeLessThan(plans[0]!.rateLimit * WAF_WINDOW_S);
    const scope = JSON.stringify(anonymous.ScopeDownStatement);
    expect(scope).toContain('NotStatement');
    expect(scope).toContain('"Name":"x-api-key"');
    expect(scope).toContain('"Name":"authorization"');
  });
});

describe('the audit chainer in AWS (#23 item 1)', () => {
  it('runs the chain Lambda on the table’s stream, outbox inserts only, one batch per stream shard at a time', () => {
    control.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: Match.anyValue(),
      ParallelizationFactor: 1,
      BisectBatchOnFunctionError: true,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ['INSERT'],
              dynamodb: { Keys: { sk: { S: [{ prefix: 'OUTBOX#' }] } } },
            }),
          },
        ],
      },
    });
  });
});
