/**
 * Bundles each Greengrass component with esbuild into its artifact and renders its recipe.
 *
 *   npm run build:components                       # every component, into dist/greengrass/<name>/<version>/
 *   tsx iot-greengrass/build/build-components.ts --component com.hcp.SwitchAgent --gdk
 *                                                  # GDK's custom build: into <component>/greengrass-build/
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildComponentArtifacts, COMPONENTS, componentDir, componentVersion, renderRecipe } from './components.js';

// Run by tsx only (never loaded by jest), and from the component folder under GDK: locate the tree from this file.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function main(argv: readonly string[]): void {
  const only = argv.includes('--component') ? argv[argv.indexOf('--component') + 1] : undefined;
  const gdk = argv.includes('--gdk');
  const specs = COMPONENTS.filter((c) => only === undefined || c.name === only);
  if (specs.length === 0)
    throw new Error(`unknown component ${only}; expected one of ${COMPONENTS.map((c) => c.name).join(', ')}`);
  for (const spec of specs) {
    const version = componentVersion(spec.name, ROOT);
    // GDK's layout: greengrass-build/recipes/ and greengrass-build/artifacts/<name>/<version>/.
    const base = gdk
      ? path.join(componentDir(spec.name, ROOT), 'greengrass-build')
      : path.join(ROOT, '..', 'dist', 'greengrass', spec.name, version);
    const artifactDir = gdk ? path.join(base, 'artifacts', spec.name, version) : base;
    const recipeDir = gdk ? path.join(base, 'recipes') : base;
    mkdirSync(artifactDir, { recursive: true });
    mkdirSync(recipeDir, { recursive: true });
    const files = buildComponentArtifacts(spec, artifactDir, ROOT);
    writeFileSync(path.join(recipeDir, 'recipe.yaml'), renderRecipe(spec.name, version, ROOT));
    const listed = files.map((file) => path.relative(process.cwd(), file)).join(', ');
    process.stdout.write(`${spec.name} ${version}: ${listed}\n`);
  }
}

main(process.argv.slice(2));
