// The launcher lives in local/ so the bench can use it too. Suites start the prebuilt runtime
// (test/support/prebuilt.ts); startRuntimeFromSource is what `npm start` runs (tsx bin/local.ts).
import * as launcher from '../../local/runtime-process.js';
import { PREBUILT_ENV, prebuilt } from './prebuilt.js';

export { makeDataDir, removeDataDir, type RuntimeProcess } from '../../local/runtime-process.js';

type StartOptions = Parameters<typeof launcher.startRuntime>[0];

export const startRuntime = (options: StartOptions = {}) =>
  launcher.startRuntime({ bundle: prebuilt('local'), ...options, env: { ...PREBUILT_ENV, ...options.env } });
export const spawnRuntime = (dataDir: string, options: launcher.RuntimeLaunch = {}) =>
  launcher.spawnRuntime(dataDir, { bundle: prebuilt('local'), ...options, env: { ...PREBUILT_ENV, ...options.env } });
export const startRuntimeFromSource = (options: StartOptions = {}) => launcher.startRuntime(options);
