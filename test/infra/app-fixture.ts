import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { buildApp, type HcpStacks } from '../../bin/app.js';

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
