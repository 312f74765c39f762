import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iot from 'aws-cdk-lib/aws-iot';
import { ALL_MARKETS_TOPIC_FILTER } from '../../../core/messages/topics.js';
import { COMPONENTS, componentVersion, GATEWAY_PLATFORMS } from '../../../iot-greengrass/build/components.js';
import { GreengrassComponents } from '../../../stacks/constructs/greengrass-components.js';

describe('GreengrassComponents construct', () => {
  // Bundling skipped: the recipes and wiring are what is under test, not esbuild.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Iot');
  const thingGroup = new iot.CfnThingGroup(stack, 'Gateways', {});
  new GreengrassComponents(stack, 'Components', {
    thingGroup,
    configuration: { 'com.hcp.SwitchAgent': { agent: { heartbeatTimeoutMs: 60_000 } } },
  });
  const template = Template.fromStack(stack);
  const recipes = Object.values(template.findResources('AWS::GreengrassV2::ComponentVersion')).map((r) =>
    JSON.stringify(r.Properties.InlineRecipe),
  );

  it('publishes every component with the version from gdk-config.json and the artifacts from the assets', () => {
    expect(recipes).toHaveLength(COMPONENTS.length);
    expect(COMPONENTS.map((c) => c.name)).toEqual(['com.hcp.SwitchAgent', 'com.hcp.Telemetry', 'com.hcp.GpuWorker']);
    recipes.forEach((recipe, i) => {
      expect(recipe).toContain(`ComponentVersion: \\"${componentVersion(COMPONENTS[i]!.name)}\\"`);
      expect(recipe).not.toContain('BUCKET_NAME');
      expect(recipe).not.toMatch(/\{artifacts:path\}\/(switch-agent|telemetry|gpu-worker)\.cjs/);
      expect(recipe).not.toMatch(/aws-crt-linux/);
    });
  });

  it('ships aws-crt’s binary per architecture as one shared asset each, named in its manifest', () => {
    // Prepare: the asset keys are content hashes, the same for every component.
    const nativeKeys = recipes.map((recipe) => [...new Set(recipe.match(/[0-9a-f]{64}\.node/g))]);
    // Assess
    for (const keys of nativeKeys) {
      expect(keys).toHaveLength(GATEWAY_PLATFORMS.length);
      expect(keys).toEqual(nativeKeys[0]);
    }
    expect(recipes[0]).toContain(`AWS_CRT_NODEJS_BINARY_ABSOLUTE_PATH: \\"{artifacts:path}/${nativeKeys[0]![0]}`);
  });

  it('names exact IPC operations and topics; the one wildcard is the market node, as the IoT policy grants it', () => {
    const seen: string[] = [];
    for (const recipe of recipes) {
      expect(recipe).toContain('aws.greengrass#');
      expect(recipe).not.toMatch(/operations:\\n\s*- '?\*/);
      expect(recipe).not.toMatch(/resources:(\\n\s*- [^\\]*)*\\n\s*- '?\*'?\\n/);
      // The market node is site data (the shadow's): no recipe may name one, so the signals' filter has `+` there.
      const wildcards = [...recipe.matchAll(/- ((?:hcp|\$aws)\/[^\\]*[#+][^\\]*)\\n/g)].map((m) => m[1]);
      for (const filter of wildcards) expect(filter).toBe(ALL_MARKETS_TOPIC_FILTER);
      seen.push(...(wildcards as string[]));
      expect(recipe).not.toMatch(/HB_[A-Z]+/);
    }
    expect(seen).toContain(ALL_MARKETS_TOPIC_FILTER);
  });

  it('deploys the components and the nucleus to the gateways’ thing group with the configuration merged', () => {
    template.hasResourceProperties('AWS::GreengrassV2::Deployment', {
      TargetArn: { 'Fn::GetAtt': [stack.getLogicalId(thingGroup), 'Arn'] },
      Components: {
        'aws.greengrass.Nucleus': {
          ComponentVersion: '2.14.3',
          // Batches IPC accepted while offline survive a nucleus restart (the default spooler is in memory).
          ConfigurationUpdate: {
            Merge: JSON.stringify({
              mqtt: {
                spooler: {
                  storageType: 'Disk',
                  pluginName: 'aws.greengrass.DiskSpooler',
                  maxSizeInBytes: 64 * 1024 * 1024,
                  keepQos0WhenOffline: false,
                },
              },
            }),
          },
        },
        'aws.greengrass.DiskSpooler': { ComponentVersion: '1.0.6' },
        'com.hcp.SwitchAgent': { ConfigurationUpdate: { Merge: '{"agent":{"heartbeatTimeoutMs":60000}}' } },
        'com.hcp.Telemetry': {},
      },
      DeploymentPolicies: { FailureHandlingPolicy: 'ROLLBACK' },
    });
  });
});
