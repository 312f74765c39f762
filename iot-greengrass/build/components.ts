import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type BuildOptions, buildSync } from 'esbuild';

/**
 * The Greengrass components and how each is bundled: one CommonJS file per component with every dependency inside,
 * the IPC SDK (aws-iot-device-sdk-v2 and aws-crt's JavaScript) included, so the gateway installs nothing. What cannot
 * be inlined is aws-crt's native module: it ships beside the bundle as one artifact per architecture, which the
 * recipe's manifest for that platform lists and names in AWS_CRT_NODEJS_BINARY_ABSOLUTE_PATH (aws-crt's own override
 * of where it looks). The build script and the CDK construct both build through here.
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
 * The gateway platforms every recipe has a manifest for: Greengrass's `architecture` platform attribute and the folder
 * of aws-crt's binary for it (node_modules/aws-crt/dist/bin/<folder>/aws-crt-nodejs.node). aws-crt 1.33 ships linux
 * x64 and arm64 for glibc and for musl; Greengrass does not tell glibc from musl, so the manifests take glibc (the
 * distributions Greengrass supports), and a musl gateway (Alpine) is not served.
 */
export const GATEWAY_PLATFORMS = [
  { architecture: 'amd64', crtBinary: 'linux-x64-glibc' },
  { architecture: 'aarch64', crtBinary: 'linux-arm64-glibc' },
] as const;
export type GatewayPlatform = (typeof GATEWAY_PLATFORMS)[number];

/** The artifact's file name: unique per platform, as GDK publishes every artifact of a version to one S3 prefix. */
export const crtArtifactName = (platform: GatewayPlatform): string => `aws-crt-${platform.crtBinary}.node`;

/** aws-crt's native module for a platform, from the aws-crt package whose JavaScript the bundles inline. */
export function crtBinaryPath(platform: GatewayPlatform, root = greengrassRoot()): string {
  const file = path.join(
    root,
    '..',
    'node_modules',
    'aws-crt',
    'dist',
    'bin',
    platform.crtBinary,
    'aws-crt-nodejs.node',
  );
  if (!existsSync(file)) throw new Error(`aws-crt has no binary for ${platform.crtBinary}: ${file} is missing`);
  return file;
}

/** Every artifact file of a component, as its recipe names them: the bundle, then the native module per platform. */
export const componentArtifacts = (spec: ComponentSpec): string[] => [
  spec.artifact,
  ...GATEWAY_PLATFORMS.map(crtArtifactName),
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
    // The process needs Node 24 (adapters/node-runtime.ts) but is parsed by whatever `node` the core has: syntax an
    // older Node reads lets it reach the version check and say so, instead of failing on a token.
    target: 'node20',
    format: 'cjs',
    // modbus-serial (the site meter, over TCP only) requires serialport lazily, for serial lines the gateway never
    // opens; left out, so no native serial binding ships.
    external: ['serialport'],
    sourcemap: 'inline',
    logLevel: 'warning',
  };
}

export function bundleComponent(spec: ComponentSpec, outFile: string, root = greengrassRoot()): void {
  buildSync(bundleOptions(spec, outFile, root));
}

/** Writes every artifact of a component into a folder (the bundle and the native modules); returns their paths. */
export function buildComponentArtifacts(spec: ComponentSpec, outDir: string, root = greengrassRoot()): string[] {
  bundleComponent(spec, path.join(outDir, spec.artifact), root);
  for (const platform of GATEWAY_PLATFORMS) {
    copyFileSync(crtBinaryPath(platform, root), path.join(outDir, crtArtifactName(platform)));
  }
  return componentArtifacts(spec).map((file) => path.join(outDir, file));
}

/** The recipe with its version and name placeholders filled (artifact URIs are left to the publisher). */
export function renderRecipe(name: ComponentSpec['name'], version: string, root = greengrassRoot()): string {
  return readFileSync(path.join(componentDir(name, root), 'recipe.yaml'), 'utf8')
    .replaceAll('{COMPONENT_NAME}', name)
    .replaceAll('{COMPONENT_VERSION}', version);
}
