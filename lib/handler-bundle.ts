// How each function's code is built: `lambdas/<name>.handler.ts` bundled by esbuild into index.mjs
// and its source map, in this process during synth. (CDK's NodejsFunction runs the same build as
// `npx esbuild`, a fresh npm per function: ~0.6 s of CPU each, 19 functions per synth.)
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage, type ILocalBundling } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BuildOptions, buildSync } from 'esbuild';

export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * ESM output for our ESM sources (and ESM-only @middy/core). The banner gives bundled CommonJS
 * dependencies a `require`; the AWS SDK is bundled too, pinned to the lock file's version. The
 * SDK's default credential chain is replaced by the environment credentials Lambda provides
 * (lambdas/shared/lambda-credentials.ts): the whole chain made each import ~30–40 ms slower.
 * Source maps ship beside the bundle (not enabled at run time: FUNCTION_NODE_OPTIONS).
 */
export const HANDLER_BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  banner: { js: "import { createRequire as __bmCreateRequire } from 'node:module';const require = __bmCreateRequire(import.meta.url);" },
  alias: { '@aws-sdk/credential-provider-node': './lambdas/shared/lambda-credentials.ts' },
  absWorkingDir: PROJECT_ROOT, // the alias path is relative to it
  logLevel: 'warning',
} as const satisfies BuildOptions;

/** Every handler in lambdas/ (`<name>.handler.ts`), by name, sorted. */
export function handlerNames(): string[] {
  const SUFFIX = '.handler.ts';
  return readdirSync(join(PROJECT_ROOT, 'lambdas')).filter((f) => f.endsWith(SUFFIX)).sort().map((f) => f.slice(0, -SUFFIX.length));
}

/** The entry file esbuild bundles for a handler. */
export const handlerEntry = (name: string): string => join(PROJECT_ROOT, 'lambdas', `${name}.handler.ts`);

const BUNDLE_FILES = ['index.mjs', 'index.mjs.map'];
/** The handlers built in one go, by the directory their bundles were written in (see bundleHandler). */
const pendingBundles = new Map<string, Set<string>>();

/**
 * Puts one handler's bundle in `outdir` (index.mjs and index.mjs.map); esbuild's errors fail the
 * caller. The first call under a parent directory builds every handler in one esbuild run (the
 * shared modules parsed once, on every core) into sibling directories `handler-bundle-<name>`,
 * at the same depth as `outdir`, so that each source map's relative paths, and so each asset's
 * hash, are what a build of that handler alone gives; each call then moves its own files in.
 */
export function bundleHandler(name: string, outdir: string): void {
  const parent = dirname(outdir);
  let pending = pendingBundles.get(parent);
  if (!pending?.has(name)) {
    const names = handlerNames();
    const entryPoints = Object.fromEntries(names.map((n) => [`handler-bundle-${n}/index`, handlerEntry(n)]));
    buildSync({ ...HANDLER_BUILD_OPTIONS, entryPoints, outdir: parent, outExtension: { '.js': '.mjs' } });
    pending = new Set(names);
    pendingBundles.set(parent, pending);
  }
  const built = join(parent, `handler-bundle-${name}`);
  for (const file of BUNDLE_FILES) renameSync(join(built, file), join(outdir, file));
  rmSync(built, { recursive: true });
  pending.delete(name);
}

/**
 * CDK's local bundler for one handler. CDK reuses a bundle for assets whose source path and
 * bundling options serialise alike, and every function's source path is PROJECT_ROOT: the
 * handler's name, a field of this object, is what tells them apart.
 */
class HandlerBundler implements ILocalBundling {
  constructor(readonly handler: string) {}

  tryBundle(outputDir: string): boolean {
    bundleHandler(this.handler, outputDir);
    return true;
  }
}

/** The function's code asset, hashed by its output as NodejsFunction's is. Its handler is `index.handler`. */
export function handlerCode(name: string): lambda.Code {
  return lambda.Code.fromAsset(PROJECT_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Required by the type, never pulled: the local build succeeds or throws, so CDK never falls back to Docker.
      image: DockerImage.fromRegistry('local-bundling-only'),
      local: new HandlerBundler(name),
    },
  });
}
