import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TABLE_KEYS } from '../../functions/shared/data/table-design.js';
import { POLICY_LEADING_KEY_PATTERNS, TENANT_SCOPE_TAGS } from '../../functions/shared/data/tenant-scope.js';
import type { HcpFunction } from './hcp-function.js';
import { TABLE_ITEM_ACTIONS } from './table-access.js';

export interface TenantDataRoleProps {
  readonly table: ITable;
  /** The tenant routes' functions: they may assume the role, with both session tags, and hold no table grant. */
  readonly functions: readonly HcpFunction[];
}

/**
 * The role tenant routes do their table work with (#23 item 5, functions/shared/data/tenant-scope.ts): a session of
 * it reaches only the partitions whose keys start with its `tenantId` tag (and its `auditChain` tag's audit shards),
 * through `ForAllValues:StringLike` on `dynamodb:LeadingKeys`. The trust policy admits only the named functions'
 * roles, only with exactly the two tags set; the functions pass TENANT_DATA_ROLE_ARN to their STS client.
 *
 * The role has a fixed name, and the functions are granted its ARN built from that name: the functions live in the
 * API's nested stacks (stacks/constructs/api-routes.ts) and the trust policy names their roles, so a reference from
 * the functions back to this role would make the nested stacks and this role depend on each other.
 */
export class TenantDataRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: TenantDataRoleProps) {
    super(scope, id);
    const tagKeys = Object.values(TENANT_SCOPE_TAGS);
    const functionRoles = props.functions.map((fn) => fn.fn.role!);
    const stack = Stack.of(this);
    const roleName = `${stack.stackName}-${stack.region}-tenant-data`;
    this.role = new iam.Role(this, 'Role', {
      roleName,
      description: 'Tenant routes: table items of the tenant named by the session tags only',
      assumedBy: new iam.SessionTagsPrincipal(new iam.CompositePrincipal(...functionRoles)).withConditions({
        // Both tags present and non-empty, and no other tag.
        StringLike: Object.fromEntries(tagKeys.map((key) => [`aws:RequestTag/${key}`, '?*'])),
        'ForAllValues:StringEquals': { 'aws:TagKeys': tagKeys },
      }),
      maxSessionDuration: Duration.hours(1),
    });
    // Every item action names its partition key; Scan is not among them, and must never be: a request without
    // leading keys passes a ForAllValues condition (no values satisfy "all"), so a granted Scan would read every tenant.
    const leadingKeys = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': POLICY_LEADING_KEY_PATTERNS } };
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: [...TABLE_ITEM_ACTIONS],
        resources: [props.table.tableArn],
        conditions: leadingKeys,
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [
          Stack.of(this).formatArn({
            service: 'dynamodb',
            resource: 'table',
            resourceName: `${props.table.tableName}/index/${TABLE_KEYS.gsi1.name}`,
          }),
        ],
        conditions: leadingKeys,
      }),
    );
    if (props.table.encryptionKey) {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
          resources: [props.table.encryptionKey.keyArn],
        }),
      );
    }
    // No token of the role: only the stack's own name and pseudo parameters, which every stack resolves alike.
    const roleArn = stack.formatArn({
      service: 'iam',
      region: '',
      resource: 'role',
      resourceName: roleName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    for (const fn of props.functions) {
      fn.fn.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['sts:AssumeRole', 'sts:TagSession'], resources: [roleArn] }),
      );
      fn.fn.addEnvironment('TENANT_DATA_ROLE_ARN', roleArn);
    }
  }
}
