import path from 'node:path';
import { BundlingOutput, DockerImage, Stack, Token } from 'aws-cdk-lib';
import * as greengrass from 'aws-cdk-lib/aws-greengrassv2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as iot from 'aws-cdk-lib/aws-iot';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import {
  bundleComponent,
  COMPONENTS,
  type ComponentSpec,
  componentDir,
  componentVersion,
  crtArtifactName,
  crtBinaryPath,
  GATEWAY_PLATFORMS,
  greengrassRoot,
  renderRecipe,
} from '../../iot-greengrass/build/components.js';

export type GatewayComponentName = ComponentSpec['name'];

export interface GreengrassComponentsProps {
  /** The thing group of the site gateways; the deployment targets it. */
  readonly thingGroup: iot.CfnThingGroup;
  /**
   * Configuration merged over each component's recipe DefaultConfiguration in the deployment, e.g.
   * `{ 'com.hcp.SwitchAgent': { agent: { heartbeatTimeoutMs: 60000 } } }`.
   * @default no change to the recipes' defaults
   */
  readonly configuration?: Readonly<Partial<Record<GatewayComponentName, Record<string, unknown>>>>;
  /** @default `${stackName}-gateways` */
  readonly deploymentName?: string;
  /** The nucleus version the deployment pins. @default '2.14.3' */
  readonly nucleusVersion?: string;
  /**
   * The nucleus's MQTT spool, on disk (aws.greengrass.DiskSpooler): what IPC accepted while offline survives a
   * nucleus restart. Must fit the core's free disk. @default 64 MiB
   */
  readonly nucleusSpoolMaxBytes?: number;
}

/** aws.greengrass.DiskSpooler 1.0.6 runs on nucleus >=2.11.0 <2.16.0 (its documented dependency). */
const DISK_SPOOLER_VERSION = '1.0.6';

/**
 * Publishes the gateway's Greengrass components (com.hcp.SwitchAgent, com.hcp.Telemetry, com.hcp.GpuWorker) and deploys them to the
 * gateways' thing group. Each component's artifacts are its esbuild bundle (iot-greengrass/build/components.ts, the
 * same bundle `npm run build:components` makes) and aws-crt's native module per architecture (shared by the three),
 * each uploaded as an S3 asset; each recipe is the component's recipe.yaml with its artifact URIs pointed at those
 * assets. A component's version comes from its gdk-config.json: bump it when the
 * component changes, as Greengrass refuses to publish the same version twice.
 *
 * The cores' token exchange role must read the artifacts: call `grantArtifactRead(role)`.
 */
export class GreengrassComponents extends Construct {
  readonly componentVersions: Readonly<Record<GatewayComponentName, greengrass.CfnComponentVersion>>;
  readonly deployment: greengrass.CfnDeployment;
  private readonly assets: s3assets.Asset[] = [];

  constructor(scope: Construct, id: string, props: GreengrassComponentsProps) {
    super(scope, id);
    const versions = {} as Record<GatewayComponentName, greengrass.CfnComponentVersion>;
    const root = greengrassRoot();
    const nativeAssets = GATEWAY_PLATFORMS.map((platform) => ({
      name: crtArtifactName(platform),
      asset: new s3assets.Asset(this, `AwsCrt-${platform.architecture}`, { path: crtBinaryPath(platform, root) }),
    }));
    this.assets.push(...nativeAssets.map((n) => n.asset));
    for (const spec of COMPONENTS) {
      const asset = new s3assets.Asset(this, `${spec.name}-Artifact`, {
        path: componentDir(spec.name),
        bundling: {
          // Docker is only the fallback CDK requires; the local esbuild always bundles.
          image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:24'),
          outputType: BundlingOutput.SINGLE_FILE,
          local: {
            tryBundle(outputDir) {
              bundleComponent(spec, path.join(outputDir, spec.artifact));
              return true;
            },
          },
        },
      });
      this.assets.push(asset);
      if (Token.isUnresolved(asset.s3ObjectKey)) {
        throw new Error(`${spec.name}: the asset's object key must be known at synth to name the artifact file`);
      }
      // Greengrass names a downloaded artifact after the last segment of its URI: the asset's key, not ours.
      let recipe = renderRecipe(spec.name, componentVersion(spec.name));
      for (const artifact of [{ name: spec.artifact, asset }, ...nativeAssets]) {
        recipe = recipe
          .replaceAll(`s3://BUCKET_NAME/COMPONENT_NAME/COMPONENT_VERSION/${artifact.name}`, artifact.asset.s3ObjectUrl)
          .replaceAll(
            `{artifacts:path}/${artifact.name}`,
            `{artifacts:path}/${path.posix.basename(artifact.asset.s3ObjectKey)}`,
          );
      }
      versions[spec.name] = new greengrass.CfnComponentVersion(this, spec.name, { inlineRecipe: recipe });
    }
    this.componentVersions = versions;

    // The nucleus spools on disk, not in memory (its default, lost on a restart): Greengrass's documented keys,
    // mqtt.spooler { storageType: Disk, pluginName, maxSizeInBytes }; QoS 0 (status heartbeats) is not kept offline.
    const nucleusSpooler = {
      mqtt: {
        spooler: {
          storageType: 'Disk',
          pluginName: 'aws.greengrass.DiskSpooler',
          maxSizeInBytes: props.nucleusSpoolMaxBytes ?? 64 * 1024 * 1024,
          keepQos0WhenOffline: false,
        },
      },
    };
    const components: Record<string, greengrass.CfnDeployment.ComponentDeploymentSpecificationProperty> = {
      'aws.greengrass.Nucleus': {
        componentVersion: props.nucleusVersion ?? '2.14.3',
        configurationUpdate: { merge: JSON.stringify(nucleusSpooler) },
      },
      'aws.greengrass.DiskSpooler': { componentVersion: DISK_SPOOLER_VERSION },
    };
    for (const spec of COMPONENTS) {
      const merge = props.configuration?.[spec.name];
      components[spec.name] = {
        componentVersion: versions[spec.name].attrComponentVersion,
        ...(merge ? { configurationUpdate: { merge: JSON.stringify(merge) } } : {}),
      };
    }
    this.deployment = new greengrass.CfnDeployment(this, 'Deployment', {
      targetArn: props.thingGroup.attrArn,
      deploymentName: props.deploymentName ?? `${Stack.of(this).stackName}-gateways`,
      components,
      deploymentPolicies: {
        // A component that fails to start rolls the whole site back to the last good set.
        failureHandlingPolicy: 'ROLLBACK',
        // The SwitchAgent persists its state on every change, so it can be stopped for an update at any time.
        componentUpdatePolicy: { action: 'NOTIFY_COMPONENTS', timeoutInSeconds: 60 },
      },
    });
  }

  /** Lets the gateways' token exchange role download the component artifacts. */
  grantArtifactRead(grantee: iam.IGrantable): void {
    for (const asset of this.assets) asset.grantRead(grantee);
  }
}
