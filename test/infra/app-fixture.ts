import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, type HcpStacks } from '../../bin/app.js';
import type { ApiStack } from '../../stacks/api-stack.js';

/** The default context: no `telemetrySink`, so the Iceberg sink (test/infra/telemetry-sink.test.ts has Timestream). */
export const TEST_CONTEXT = {
  region: 'us-east-2',
  stage: 'test',
  sites: ['site-west-1', 'site-south-1'],
};

let cached: { app: App; stacks: HcpStacks } | undefined;

/** One synthesized app per test file (bundling skipped: no esbuild run, no Docker). */
export function synthesizedApp(): { app: App; stacks: HcpStacks } {
  cached ??= appWith(TEST_CONTEXT);
  return cached;
}

/** The app built from `context` with cdk.json's feature flags, so tests synthesize what `cdk synth` does. */
export function appWith(context: Record<string, unknown>): { app: App; stacks: HcpStacks } {
  const flags = JSON.parse(readFileSync('cdk.json', 'utf8')).context;
  const app = new App({ context: { ...flags, hcp: context, 'aws:cdk:bundling-stacks': [] } });
  return { app, stacks: buildApp(app) };
}

/**
 * The API stack's template with the resources of its nested stacks merged in (the route Lambdas, their roles and
 * policies live in one nested stack per route tag): for assertions about every API Lambda wherever it lives.
 */
export function apiTemplate(api: ApiStack): Template {
  const parent = Template.fromStack(api).toJSON();
  const nested = [...api.routes.functionStacks.values()].map((stack) => Template.fromStack(stack).toJSON().Resources);
  return Template.fromJSON({ ...parent, Resources: Object.assign({}, parent.Resources, ...nested) });
}
