// The launcher lives in local/ so the bench can use it too. Suites start the prebuilt runtime
// (test/support/prebuilt.ts); startRuntimeFromSource is what `npm start` runs (tsx bin/local.ts).
import * as launcher from '../../local/runtime-process.js';
import { PREBUILT_ENV, prebuilt } from './prebuilt.js';

export { makeDataDir, removeDataDir, type RuntimeProcess } from '../../local/runtime-process.js';

type StartOptions = Parameters<typeof launcher.startRuntime>[0];

/** The prebuilt runtime's bundle and its compile cache, under what the caller gives. */
const fromPrebuilt = <O extends launcher.RuntimeLaunch>(options: O): O => ({ bundle: prebuilt('local'), ...options, env: { ...PREBUILT_ENV, ...options.env } });

export const startRuntime = (options: StartOptions = {}) => launcher.startRuntime(fromPrebuilt(options));
export const spawnRuntime = (dataDir: string, options: launcher.RuntimeLaunch = {}) => launcher.spawnRuntime(dataDir, fromPrebuilt(options));
export const startRuntimeFromSource = (options: StartOptions = {}) => launcher.startRuntime(options);
