// The e2e tier (`npm run test:e2e`): the whole local platform and a real browser. Kept out of the root config's
// projects so `npm test` stays fast; it reuses the integration tier's transform and setup.
const path = require('node:path');
const root = require('../../jest.config.cjs');

const integration = root.projects.find((p) => p.displayName === 'integration');
module.exports = {
  rootDir: path.resolve(__dirname, '../..'),
  projects: [
    {
      ...integration,
      rootDir: path.resolve(__dirname, '../..'),
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
    },
  ],
};
