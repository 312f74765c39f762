import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type BuildOptions, buildSync } from 'esbuild';

/**
 * The Greengrass components and how each is bundled: one CommonJS file per component with every dependency inside,
 * except the IPC SDK (aws-crt ships a native binary), which the recipe's Install step puts beside it. The build script
 * and the CDK construct both bundle through here.
 */
export interface ComponentSpec {
  readonly name: 'com.hcp.SwitchAgent' | 'com.hcp.Telemetry' | 'com.hcp.GpuWorker';
  /** The file the recipe's Run step starts. */
  readonly artifact: string;
}

export const COMPONENTS: readonly ComponentSpec[] = [
  { name: 'com.hcp.SwitchAgent', artifact: 'switch-agent.cjs' },
  { name: 'com.hcp.Telemetry', artifact: 'telemetry.cjs' },
  { name: 'com.hcp.GpuWorker', artifact: 'gpu-worker.cjs' },
];

/**
 * iot-greengrass/ under the project root. The CDK CLI, npm scripts and jest run from the project root; neither
 * __dirname nor import.meta works in both tsx (ESM) and jest (CommonJS), so callers elsewhere pass the root.
 */
export function greengrassRoot(projectRoot = process.cwd()): string {
  return path.join(projectRoot, 'iot-greengrass');
}

export function componentDir(name: ComponentSpec['name'], root = greengrassRoot()): string {
  return path.join(root, 'components', name);
}

/** The version in the component's gdk-config.json: the one source of a component's version. */
export function componentVersion(name: ComponentSpec['name'], root = greengrassRoot()): string {
  const gdk = JSON.parse(readFileSync(path.join(componentDir(name, root), 'gdk-config.json'), 'utf8')) as {
    component: Record<string, { version: string }>;
  };
  const version = gdk.component[name]?.version;
  if (!version || !/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`${name}: gdk-config.json needs a semver version`);
  return version;
}

export function bundleOptions(spec: ComponentSpec, outFile: string, root = greengrassRoot()): BuildOptions {
  return {
    entryPoints: [path.join(componentDir(spec.name, root), 'src', 'main.ts')],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    // Greengrass cores run Node 20 LTS or later.
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    external: ['aws-iot-device-sdk-v2', 'aws-crt'],
    logLevel: 'warning',
  };
}

export function bundleComponent(spec: ComponentSpec, outFile: string, root = greengrassRoot()): void {
  buildSync(bundleOptions(spec, outFile, root));
}

/** The recipe with its version and name placeholders filled (artifact URIs are left to the publisher). */
export function renderRecipe(name: ComponentSpec['name'], version: string, root = greengrassRoot()): string {
  return readFileSync(path.join(componentDir(name, root), 'recipe.yaml'), 'utf8')
    .replaceAll('{COMPONENT_NAME}', name)
    .replaceAll('{COMPONENT_VERSION}', version);
}
