import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REQUIRED_NODE_MAJOR } from '../../../iot-greengrass/adapters/node-runtime.js';
import {
  buildComponentArtifacts,
  COMPONENTS,
  crtArtifactName,
  GATEWAY_PLATFORMS,
} from '../../../iot-greengrass/build/components.js';

/**
 * A component as a gateway gets it: its artifacts alone in a folder with no node_modules anywhere above, run by `node`
 * with the environment its recipe sets. No network: the runs stop at the version check, the config parse, and the IPC
 * client, which needs a Greengrass nucleus socket that is not there.
 */
const spec = COMPONENTS.find((c) => c.name === 'com.hcp.Telemetry')!;
let dir: string;
let files: string[];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hcp-component-'));
  files = buildComponentArtifacts(spec, dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(env: Record<string, string>, nodeArgs: string[] = []): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, path.join(dir, spec.artifact)], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

const crtForThisMachine = GATEWAY_PLATFORMS.find((p) => p.crtBinary.startsWith(`linux-${process.arch}-`))!;

describe('a bundled gateway component', () => {
  it('is one file per component plus aws-crt’s binary per architecture, all written by the build', () => {
    // Assess
    expect(files.map((f) => path.basename(f))).toEqual([spec.artifact, ...GATEWAY_PLATFORMS.map(crtArtifactName)]);
    for (const file of files) expect(existsSync(file)).toBe(true);
    const bundle = readFileSync(files[0]!, 'utf8');
    expect(bundle).not.toMatch(/require\(["']aws-(iot-device-sdk-v2|crt)["']\)/);
  });

  it('stops at start with a clear error on a Node older than it needs', async () => {
    // Prepare: a preloaded script makes the process report an old version, as an old `node` on a gateway would.
    const fake = path.join(dir, 'old-node.cjs');
    writeFileSync(fake, "Object.defineProperty(process, 'version', { value: 'v20.11.1' });\n");
    // Act
    const result = await run({}, ['--require', fake]);
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`com.hcp.Telemetry: Node >= ${REQUIRED_NODE_MAJOR} required, found v20.11.1`);
  });

  it('names the missing environment variable its recipe should have set', async () => {
    // Act
    const result = await run({ AWS_IOT_THING_NAME: 'site-1' });
    // Assess: the devices come from the site configuration shadow now; the work directory is still the recipe's.
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^com\.hcp\.Telemetry: environment variable HCP_STATE_DIR: /);
  });

  it('loads the IPC SDK from inside the bundle and aws-crt from its artifact, up to the missing nucleus', async () => {
    // Prepare
    const env = {
      AWS_IOT_THING_NAME: 'site-1',
      HCP_STATE_DIR: dir,
      HCP_CONFIG: '{}',
      HCP_MESSAGING: 'greengrass-ipc',
    };
    // Act
    const without = await run(env);
    const withBinary = await run({
      ...env,
      AWS_CRT_NODEJS_BINARY_ABSOLUTE_PATH: path.join(dir, crtArtifactName(crtForThisMachine)),
    });
    // Assess: without the artifact aws-crt finds no binary; with it, the IPC client is built and wants the nucleus.
    expect(without.code).toBe(1);
    expect(without.stderr).toContain('AWS CRT binary not present');
    expect(withBinary.code).toBe(1);
    expect(withBinary.stderr).not.toContain('AWS CRT binary not present');
    expect(withBinary.stderr).toMatch(/^com\.hcp\.Telemetry: .*host name/);
  });
});
