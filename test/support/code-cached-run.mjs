// `node code-cached-run.mjs <bundle.cjs> [args…]`: runs a CommonJS bundle as `node <bundle.cjs>`
// would, with a V8 code cache taken when the process ends, so that it holds the functions the run
// compiled. Node's own compile cache (NODE_COMPILE_CACHE) is taken right after compiling, when
// only the top level is: a bundle's modules are functions, compiled lazily on every start. With
// this cache a runtime start costs ~0.63 s of CPU instead of ~0.77 s, over the ~50 of a test run
// (test/support/prebuilt.ts). The cache sits beside the bundle, named by a hash of its source (V8
// checks only the source's length); V8 rejects one taken with other flags, and it is taken again.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import vm from 'node:vm';

const file = resolve(process.argv[2]);
const source = readFileSync(file, 'utf8');
const cacheFile = `${file}.${createHash('sha256').update(source).digest('hex').slice(0, 16)}.code-cache`;
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
    const temporary = `${cacheFile}.${process.pid}`;
    writeFileSync(temporary, script.createCachedData());
    renameSync(temporary, cacheFile); // several runs may end at once
  });
}
// What the bundle's `import.meta.resolve` becomes (prebuilt.ts): a CommonJS module has none, and
// require.resolve cannot find a package that exports only to `import` (fauxqs).
globalThis.__bundleImportMetaResolve = (specifier) => import.meta.resolve(specifier);
process.argv.splice(1, 1); // as `node <bundle.cjs>` would have it
const bundle = new Module(file);
bundle.filename = file;
script.runInThisContext()(bundle.exports, createRequire(file), bundle, file, dirname(file));
