#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { buildApp } from './app.js';

try {
  const app = new App();
  buildApp(app);
  app.synth();
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
