// Jest runs as native ESM (the project and @middy/core are ESM); @swc/jest strips types only,
// `npm run typecheck` is the type check.
export default {
  // jest's node environment plus a check that a file leaves no process it started running.
  testEnvironment: '<rootDir>/test/support/environment.mjs',
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
  // Three workers on a 2-core machine (jest's default there is one, in band): most files wait on
  // child processes and timers, so they overlap well. Two took ~165–185 s, three ~145–170 s. Four
  // had starved the runtimes of time-bound tests (batch-refill, ordered-delivery) before the batch
  // refill's timer fix; isolation's latency comparison still runs last, once the machine is quiet.
  maxWorkers: 3,
  // A worker whose heap has grown past this after a file is replaced by a fresh one. The latency
  // comparisons (isolation, last) record receipts in the worker itself: in a worker grown through
  // dozens of files, a major GC there showed up as 0.4-0.8 s of "latency" that the same file alone
  // never had.
  workerIdleMemoryLimit: '300MB',
  // Process-starting files first, so none is left to run alone at the end (test/support/sequencer.mjs).
  testSequencer: '<rootDir>/test/support/sequencer.mjs',
  // The run guard ends a run that would hang (a file stuck past its limit, or jest not exiting
  // after the results are in) with a message, and lists the slowest files.
  reporters: ['default', ['<rootDir>/test/support/run-guard.mjs', { fileLimitSeconds: 300, exitGraceSeconds: 15 }]],
};
