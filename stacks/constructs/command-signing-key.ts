import { CustomResource, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { HcpFunction } from './hcp-function.js';
import { acknowledge, acknowledgeDeployTimeFunction } from './nag.js';

/** A public key the gateways trust for commands, as the SwitchAgent's `commandKeys` list it. */
export interface CommandKeyEntry {
  readonly kid: string;
  readonly publicKeyPem: string;
}

/**
 * The key the SwitchFlow signs every command with (ES256 on ECC_NIST_P256, core/messages/command-signature.ts), and
 * its public half read back at deploy time so the Greengrass deployment lists it in each SwitchAgent's `commandKeys`:
 * the gateways verify what only the two command-building steps may sign, with no manual step between them.
 */
export class CommandSigningKey extends Construct {
  readonly key: kms.Key;
  /** The gateways' entry for this key: `kid` is the key id the signer names in each command's header. */
  readonly gatewayEntry: CommandKeyEntry;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'Signs SwitchFlow commands to the gateways (JWS ES256)',
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      // Gateways hold its public key: deleting it with the stack would leave every site refusing every command.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const reader = new HcpFunction(this, 'PublicKeyReader', {
      entry: 'functions/deploy/command-public-key.ts',
      serviceName: 'hcp-deploy',
    });
    this.key.grant(reader.fn, 'kms:GetPublicKey');
    const provider = new cr.Provider(this, 'Provider', { onEventHandler: reader.fn });
    acknowledge(
      provider,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      "CDK's custom-resource framework Lambda: writes its own logs only, runs at deploy time.",
    );
    acknowledge(
      provider,
      `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(reader.fn.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      "CDK's custom-resource framework invokes the reader function's versions and aliases (its own grant).",
    );
    acknowledge(
      provider,
      'AwsSolutions-L1',
      "CDK's custom-resource framework pins its own Node.js runtime; it runs only during deployments.",
    );
    acknowledgeDeployTimeFunction(provider, "CDK's custom-resource framework");
    const publicKey = new CustomResource(this, 'PublicKey', {
      serviceToken: provider.serviceToken,
      properties: { KeyId: this.key.keyId },
    });
    this.gatewayEntry = { kid: this.key.keyId, publicKeyPem: publicKey.getAttString('PublicKeyPem') };
  }
}
