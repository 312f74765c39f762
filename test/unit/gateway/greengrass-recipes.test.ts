import { parse } from 'yaml';
import { nodeRuntimeProblem, REQUIRED_NODE_MAJOR } from '../../../iot-greengrass/adapters/node-runtime.js';
import {
  COMPONENTS,
  componentVersion,
  crtArtifactName,
  crtBinaryPath,
  GATEWAY_PLATFORMS,
  renderRecipe,
} from '../../../iot-greengrass/build/components.js';

interface Manifest {
  Platform: { os: string; architecture: string };
  Lifecycle: Record<string, { Script?: string } | Record<string, string>>;
  Artifacts: Array<{ URI: string }>;
}

const recipes = COMPONENTS.map((spec) => ({
  spec,
  recipe: parse(renderRecipe(spec.name, componentVersion(spec.name))) as {
    Manifests: Manifest[];
    Lifecycle?: unknown;
    ComponentConfiguration: { DefaultConfiguration: Record<string, unknown> };
  },
}));
const fileOf = (uri: string) => uri.split('/').at(-1);

describe('Greengrass recipes', () => {
  it.each(recipes)('$spec.name installs nothing: no lifecycle step runs npm', ({ recipe }) => {
    // Prepare
    const scripts = recipe.Manifests.flatMap((m) =>
      Object.values(m.Lifecycle).flatMap((step) => ('Script' in step && step.Script ? [step.Script] : [])),
    );
    // Assess
    expect(recipe.Lifecycle).toBeUndefined();
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) expect(script).not.toMatch(/\bnpm\b|\bnpx\b|node_modules/);
    for (const manifest of recipe.Manifests) expect(Object.keys(manifest.Lifecycle)).not.toContain('Install');
  });

  it.each(recipes)(
    '$spec.name has one linux manifest per architecture with its own aws-crt binary',
    ({ spec, recipe }) => {
      // Assess
      expect(recipe.Manifests.map((m) => m.Platform)).toEqual(
        GATEWAY_PLATFORMS.map((p) => ({ os: 'linux', architecture: p.architecture })),
      );
      recipe.Manifests.forEach((manifest, i) => {
        const crt = crtArtifactName(GATEWAY_PLATFORMS[i]!);
        expect(manifest.Artifacts.map((a) => fileOf(a.URI))).toEqual([spec.artifact, crt]);
        expect(manifest.Lifecycle.Setenv).toMatchObject({
          AWS_CRT_NODEJS_BINARY_ABSOLUTE_PATH: `{artifacts:path}/${crt}`,
        });
        expect((manifest.Lifecycle.Run as { Script: string }).Script).toBe(
          `exec {configuration:/nodeExecutable} --enable-source-maps {artifacts:path}/${spec.artifact}`,
        );
      });
    },
  );

  it.each(recipes)('$spec.name runs the same lifecycle on every architecture but for the binary', ({ recipe }) => {
    // Prepare: the manifests are written out in full (Greengrass does not merge lifecycles), so guard the copies.
    const withoutBinary = recipe.Manifests.map((m) =>
      JSON.stringify(m.Lifecycle).replace(/aws-crt-[a-z0-9-]+\.node/g, 'BINARY'),
    );
    // Assess
    expect(new Set(withoutBinary).size).toBe(1);
  });

  it.each(recipes)('$spec.name states the Node it needs and lets an operator point at one', ({ spec }) => {
    // Assess
    expect(renderRecipe(spec.name, '1.0.0')).toContain(`Node >= ${REQUIRED_NODE_MAJOR}`);
    expect(recipes.find((r) => r.spec === spec)!.recipe.ComponentConfiguration.DefaultConfiguration).toMatchObject({
      nodeExecutable: 'node',
    });
  });

  it('finds aws-crt’s binary for every gateway architecture in the installed package', () => {
    for (const platform of GATEWAY_PLATFORMS) expect(crtBinaryPath(platform)).toMatch(/aws-crt-nodejs\.node$/);
  });
});

describe('nodeRuntimeProblem', () => {
  it('accepts the required major and later ones', () => {
    expect(nodeRuntimeProblem(`v${REQUIRED_NODE_MAJOR}.0.0`)).toBeUndefined();
    expect(nodeRuntimeProblem(`v${REQUIRED_NODE_MAJOR + 1}.3.1`)).toBeUndefined();
  });

  it('names the required major and the version found', () => {
    expect(nodeRuntimeProblem('v20.19.4')).toBe(`Node >= ${REQUIRED_NODE_MAJOR} required, found v20.19.4`);
    expect(nodeRuntimeProblem('garbage')).toBe(`Node >= ${REQUIRED_NODE_MAJOR} required, found garbage`);
  });
});
