// The runtime and CLIs (bin/*.ts) bundled once per test run by esbuild, so that the many processes
// the suites start skip tsx's loader (~0.6 s of CPU each). Third-party packages are bundled too:
// resolving and loading their hundreds of files was ~0.15 s of a runtime's ~1 s start (now
// ~0.85 s). The bundles sit one level below the project root, as bin/ does, so paths the sources
// take from their own location (bin/publish.ts's examples, portal/build.ts) still hold. They are
// CommonJS, run by code-cached-run.mjs (not by plain `node`: it gives them import.meta.resolve).
// A few tests still start what the README runs (tsx bin/*.ts): startup.test.ts and cli.test.ts.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const PREBUILT_DIR = join(ROOT, '.test-build');
export type PrebuiltScript = 'local' | 'keys' | 'dlq' | 'publish';
const SCRIPTS: PrebuiltScript[] = ['local', 'keys', 'dlq', 'publish'];

/** Runs a CommonJS bundle with a V8 code cache taken at the end of a run (why: in that file). */
const CODE_CACHED_RUN = join(ROOT, 'test', 'support', 'code-cached-run.mjs');

/** Node's arguments that run the bundle of bin/<script>.ts. */
export const prebuilt = (script: PrebuiltScript): string[] => [CODE_CACHED_RUN, join(PREBUILT_DIR, `${script}.cjs`)];

/**
 * Node's on-disk compile cache for what the processes started from the bundles load by path
 * (dynalite and its packages on the runtime's engine thread, fauxqs's stores): ~0.05 s of a
 * runtime's start. The bundles themselves have code-cached-run.mjs's cache. Keyed by file content.
 */
export const PREBUILT_ENV = { NODE_COMPILE_CACHE: join(PREBUILT_DIR, 'compile-cache') };

/** Jest's global setup: bundles every script (after the portal's assets, which the runtime bundle carries). */
export async function buildPrebuiltScripts(): Promise<void> {
  removeCodeCaches();
  await bundleScripts();
}

/**
 * code-cached-run.mjs's caches (`<bundle>.code-cache`, and half-written ones), before the bundles
 * are written again: V8 would take a cache of another bundle of the same length as its own.
 */
function removeCodeCaches(): void {
  mkdirSync(PREBUILT_DIR, { recursive: true });
  for (const name of readdirSync(PREBUILT_DIR)) if (name.includes('.code-cache')) rmSync(join(PREBUILT_DIR, name), { force: true });
}

async function bundleScripts(): Promise<void> {
  await build({
    entryPoints: SCRIPTS.map((s) => join(ROOT, 'bin', `${s}.ts`)),
    outdir: PREBUILT_DIR,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    // esbuild ships a binary; dynalite is loaded by path on the runtime's engine thread
    // (local/engine-thread.ts). fauxqs is bundled (~0.1 s of each start): its stores, loaded by path
    // (local/fauxqs-persistence.ts), are then a second copy of its modules beside the bundled
    // routers, which is harmless because the routers' only class checks (`instanceof SqsError`) are
    // of errors thrown by the actions bundled with them; the stores throw none.
    external: ['esbuild', 'dynalite'],
    platform: 'node',
    // CommonJS, for code-cached-run.mjs. The sources' import.meta becomes the bundle's, as in an ESM
    // bundle: paths they take from their own location hold, since the bundle sits where bin/ does.
    format: 'cjs',
    target: 'node24',
    // "use strict" first: the banner goes before esbuild's own, which would then be no directive,
    // and the sources (ESM) and their packages ran strict in the ESM bundle.
    banner: { js: "'use strict';const __bundleImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    define: {
      'import.meta.url': '__bundleImportMetaUrl',
      'import.meta.dirname': '__dirname',
      'import.meta.resolve': 'globalThis.__bundleImportMetaResolve',
      // bin/local.ts then skips rebuilding the portal's assets, which this bundle carries.
      'process.env.PORTAL_ASSETS_IN_BUNDLE': '"yes"',
    },
    logLevel: 'warning',
  });
}
