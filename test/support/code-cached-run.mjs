// `node code-cached-run.mjs <bundle.cjs> [args…]`: runs one of the tests' CommonJS bundles of
// bin/*.ts (test/support/prebuilt.ts) with a V8 code cache that the first run takes as it ends, so
// that it holds the functions the run compiled. Node's own compile cache (NODE_COMPILE_CACHE) is
// taken right after compiling, when only the top level is: a bundle's modules are functions,
// compiled lazily on every start. With this cache a runtime start costs ~0.63 s of CPU instead of
// ~0.77 s, over the ~50 of a test run. V8 checks a cache's flags (it is then taken again) but of
// the source only its length: the global setup removes every cache when it bundles (prebuilt.ts),
// so a cache here was taken from this bundle. The bundles need this launcher: it gives them
// import.meta.resolve (below).
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import vm from 'node:vm';

const file = resolve(process.argv[2]);
const source = readFileSync(file, 'utf8');
const cacheFile = `${file}.code-cache`;
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  cachedData = undefined; // the first run
}

// The bundle's import() of files outside it (fauxqs's stores) goes to Node's loader. Node calls
// that experimental (a function would need --experimental-vm-modules) and says so on the first
// import(): that one warning is left out of the run's output, which tests read.
const emitWarning = process.emitWarning;
process.emitWarning = (warning, ...rest) => {
  if (!String(warning).includes('USE_MAIN_CONTEXT_DEFAULT_LOADER')) emitWarning.call(process, warning, ...rest);
};
const script = new vm.Script(Module.wrap(source), { filename: file, cachedData, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });

if (!cachedData || script.cachedDataRejected) {
  process.once('exit', () => {
    // Best effort: a cache that cannot be written (a full disk, .test-build/ removed) must not
    // change how the run ends. Written aside and renamed: several runs may end at once.
    const temporary = `${cacheFile}.${process.pid}`;
    try {
      writeFileSync(temporary, script.createCachedData());
      renameSync(temporary, cacheFile);
    } catch {
      rmSync(temporary, { force: true });
    }
  });
}

// What the bundle's `import.meta.resolve` becomes (prebuilt.ts): a CommonJS module has none, and
// require.resolve cannot find a package that exports only to `import` (fauxqs). This file sits
// below the project root as the bundles do, so a package resolves to the same node_modules.
globalThis.__bundleImportMetaResolve = (specifier) => import.meta.resolve(specifier);
process.argv.splice(1, 1); // argv[1] is the bundle, as under `node <bundle.cjs>`
const bundle = new Module(file);
bundle.filename = file;
script.runInThisContext()(bundle.exports, createRequire(file), bundle, file, dirname(file));
