import { Template } from 'aws-cdk-lib/assertions';
import type { HcpStacks } from '../../bin/app.js';
import type { IamStatement } from './iam-policy.js';

/** The ARNs the tenant-data policy is evaluated against: the synthesized table reference resolved to these. */
export const TEST_TABLE = {
  name: 'hcp-test-table',
  arn: 'arn:aws:dynamodb:us-east-2:111122223333:table/hcp-test-table',
};

/** CloudFormation values resolved far enough for the evaluator: the table's import, name and partition. */
function resolve(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, any>;
  if (v['Fn::ImportValue']) return /Arn/.test(v['Fn::ImportValue']) ? TEST_TABLE.arn : TEST_TABLE.name;
  if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(resolve).join(v['Fn::Join'][0]);
  if (v.Ref === 'AWS::Partition') return 'aws';
  if (v.Ref === 'AWS::Region') return 'us-east-2';
  if (v.Ref === 'AWS::AccountId') return '111122223333';
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

/** The synthesized tenant-data role's identity policy, its resources resolved: what a tenant session may do. */
export function tenantDataStatements(stacks: HcpStacks): IamStatement[] {
  const policies = Template.fromStack(stacks.api).findResources('AWS::IAM::Policy');
  const [policy] = Object.entries(policies).filter(([id]) => id.includes('TenantDataRole'));
  if (!policy) throw new Error('no tenant-data role policy in the API stack');
  return (policy[1].Properties.PolicyDocument.Statement as any[]).map((s) => ({
    ...s,
    Resource: Array.isArray(s.Resource) ? s.Resource.map(resolve) : resolve(s.Resource),
  }));
}
