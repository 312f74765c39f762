import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, type IApplyRule, NagRuleCompliance, NIST80053R5Checks } from 'cdk-nag';
import { type Acknowledgement, acknowledgementsIn } from '../../stacks/constructs/nag.js';
import { buildApp } from '../app.js';

/** How one cdk-nag rule fared on the app: resources it applies to, and how many of those it found wanting. */
export interface RuleOutcome {
  readonly id: string;
  readonly applicable: number;
  readonly nonCompliant: number;
}

export interface NagEvidence {
  /** Every rule that applied to at least one resource, by id. */
  readonly rules: RuleOutcome[];
  /** Findings neither fixed nor acknowledged (CI's synth fails on any). */
  readonly violations: string[];
  readonly acknowledgements: Acknowledgement[];
}

type Counts = Map<string, { applicable: number; nonCompliant: number }>;

type ApplyRule = (params: IApplyRule) => void;

/** Wraps each rule `pack` applies so its outcome is counted; the pack itself decides and reports as usual. */
function countOutcomes(pack: AwsSolutionsChecks | NIST80053R5Checks, counts: Counts): void {
  const target = pack as unknown as { applyRule: ApplyRule };
  const applyRule = target.applyRule.bind(pack);
  target.applyRule = (params) => {
    const id = `${pack.readPackName}-${params.ruleSuffixOverride ?? params.rule.name}`;
    const rule = params.rule;
    const observed = (node: Parameters<IApplyRule['rule']>[0]) => {
      const result = rule(node);
      if (result !== NagRuleCompliance.NOT_APPLICABLE) {
        const count = counts.get(id) ?? { applicable: 0, nonCompliant: 0 };
        count.applicable++;
        if (result === NagRuleCompliance.NON_COMPLIANT || (Array.isArray(result) && result.length > 0)) {
          count.nonCompliant++;
        }
        counts.set(id, count);
      }
      return result;
    };
    // The pack names a rule without a suffix override by its function's name.
    Object.defineProperty(observed, 'name', { value: rule.name });
    applyRule({ ...params, rule: observed });
  };
}

/** The app as `cdk synth` builds it from cdk.json (its feature flags and `hcp` context), without bundling. */
export function appFromCdkJson(cdkJsonPath = 'cdk.json'): App {
  const context = JSON.parse(readFileSync(cdkJsonPath, 'utf8')).context;
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  buildApp(app);
  return app;
}

/** Runs both packs over `app`, counting each rule's outcome, and reads the acknowledgements made in it. */
export function nagEvidence(app: App): NagEvidence {
  // Synthesize first: a reference into a nested stack becomes a parameter only then, and cdk-nag names findings
  // (and matches acknowledgements) by the resolved form. The packs in the app throw on a finding; it is listed below.
  try {
    app.synth();
  } catch {}
  const counts: Counts = new Map();
  const violations: string[] = [];
  for (const pack of [new AwsSolutionsChecks(app), new NIST80053R5Checks(app)]) {
    countOutcomes(pack, counts);
    violations.push(...pack.validateScope(app).violations.map((v) => v.ruleName));
  }
  const rules = [...counts]
    .map(([id, c]) => ({ id, ...c }))
    .sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  return { rules, violations, acknowledgements: acknowledgementsIn(app) };
}
