// Jest runs as native ESM (the project and @middy/core are ESM); @swc/jest strips types only,
// `npm run typecheck` is the type check.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2023', parser: { syntax: 'typescript' } }, module: { type: 'es6' } }],
  },
  // Sources import siblings as `./x.js` (ESM style); resolve those to the .ts files.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // Builds the portal's assets (lambdas/portal/assets.generated.js) once before any test.
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  testTimeout: 30000,
};
