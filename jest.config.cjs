// jest 30 + @swc/jest in CommonJS mode runs our ESM TypeScript (import.meta.url included: swc turns it into __filename).
const swc = [
  '@swc/jest',
  { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
];
const common = {
  transform: { '^.+\\.(t|j)sx?$': swc },
  // ESM-only packages in node_modules are transpiled too.
  transformIgnorePatterns: ['/node_modules/(?!(@middy|@faker-js|aedes|aedes-.*|aws-local-stepfunctions)/)'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // middy 7 exports only an `import` condition, which jest's CommonJS resolver does not take.
    '^@middy/(core|util)$': '<rootDir>/node_modules/@middy/$1/index.js',
  },
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/test/support/jest-env.ts'],
};
module.exports = {
  // JUnit XML for CI and the QA plan (test-results/ is gitignored); the name can be set per run, e.g. the reliability
  // suite's test-results/junit-reliability.xml.
  reporters: [
    'default',
    ['jest-junit', { outputDirectory: 'test-results', outputName: process.env.JEST_JUNIT_OUTPUT_NAME ?? 'junit.xml' }],
  ],
  // Coverage only with --coverage (npm run test:coverage); v8 needs no instrumentation of the swc output.
  coverageProvider: 'v8',
  coverageDirectory: 'coverage',
  coverageReporters: ['text-summary', 'lcov', 'cobertura', 'json-summary'],
  collectCoverageFrom: [
    '{core,functions,iot-greengrass,sim,stacks,bin}/**/*.ts',
    '!**/*.test.ts',
    '!**/*.d.ts',
    '!**/main.ts',
    '!sim/bench/**',
  ],
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/iot-greengrass/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'infra',
      testMatch: ['<rootDir>/test/infra/**/*.test.ts'],
      setupFilesAfterEnv: ['aws-cdk-lib/testhelpers/jest-autoclean'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/integration-timeout.ts'],
    },
    // Faults, protocol model and overload on the real local parts (npm run test:reliability); not part of `npm test`.
    {
      ...common,
      displayName: 'reliability',
      testMatch: ['<rootDir>/test/reliability/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/reliability-timeout.ts'],
    },
  ],
};
