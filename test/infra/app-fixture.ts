import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { buildApp, type HcpStacks } from '../../bin/app.js';

export const TEST_CONTEXT = {
  region: 'us-east-2',
  stage: 'test',
  sites: ['site-west-1', 'site-south-1'],
  telemetrySink: 'timestream',
};

let cached: { app: App; stacks: HcpStacks } | undefined;

/** One synthesized app per test file (bundling skipped: no esbuild run, no Docker). */
export function synthesizedApp(): { app: App; stacks: HcpStacks } {
  if (!cached) {
    // The feature flags of cdk.json, so tests synthesize what `cdk synth` does.
    const flags = JSON.parse(readFileSync('cdk.json', 'utf8')).context;
    const app = new App({ context: { ...flags, hcp: TEST_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
    const stacks = buildApp(app);
    cached = { app, stacks };
  }
  return cached;
}
