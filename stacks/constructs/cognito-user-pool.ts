import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { ROLES } from '../../core/api/principal.js';
import { acknowledge } from './nag.js';

export interface HcpUserPoolProps {
  /** @default RemovalPolicy.RETAIN: users are not recreated by a redeploy */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * People's identities: a Cognito user pool whose ID tokens carry `custom:tenantId` and `custom:role`, one group per
 * role, and an app client for the web/CLI sign-in. Only admins create users (no self sign-up), and the client cannot
 * write the tenant or role attributes: a user cannot move itself to another tenant or raise its own role.
 */
export class HcpUserPool extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;

  constructor(scope: Construct, id: string, props: HcpUserPoolProps = {}) {
    super(scope, id);
    this.userPool = new cognito.UserPool(this, 'Pool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      customAttributes: {
        tenantId: new cognito.StringAttribute({ minLen: 1, maxLen: 128, mutable: true }),
        role: new cognito.StringAttribute({ minLen: 1, maxLen: 32, mutable: true }),
      },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      deletionProtection: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.userPool,
      'AwsSolutions-COG2',
      'MFA is optional (TOTP offered): API customers are mostly machines using API keys; operators and admins are ' +
        'required to enrol TOTP by the onboarding runbook, which Cognito cannot express per group.',
    );
    acknowledge(
      this.userPool,
      'AwsSolutions-COG8',
      'Threat protection (Plus feature plan) is priced per monthly active user; sign-in is admin-provisioned only ' +
        '(no self sign-up) and machines use API keys. A stage can move to Plus without code changes.',
    );
    this.client = this.userPool.addClient('AppClient', {
      authFlows: { userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      readAttributes: new cognito.ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true })
        .withCustomAttributes('tenantId', 'role'),
      // Tenant and role are set by admins only (AdminUpdateUserAttributes), never by the user's own token.
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ email: true }),
    });
    for (const role of ROLES) {
      new cognito.CfnUserPoolGroup(this, `Group-${role}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: role,
        description: `HCP role ${role}`,
      });
    }
  }
}
