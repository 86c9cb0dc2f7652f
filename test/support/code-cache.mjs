// Where code-cached-run.mjs keeps a bundle's V8 code cache, and the clean-up of caches of earlier
// builds. The name carries a hash of the bundle's source: V8 checks only a cache's source length,
// and a cache of other code would run that code.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** The cache file of the bundle at `file` with this source. */
export function codeCacheFile(file, source) {
  return `${file}.${createHash('sha256').update(source).digest('hex').slice(0, 16)}.code-cache`;
}

/** Removes the caches (and half-written ones) in `dir` that belong to no current bundle of `bundles` (file names). */
export function removeStaleCodeCaches(dir, bundles) {
  const current = new Set(bundles.map((name) => codeCacheFile(join(dir, name), readFileSync(join(dir, name), 'utf8'))));
  for (const name of readdirSync(dir)) {
    if (name.includes('.code-cache') && !current.has(join(dir, name))) rmSync(join(dir, name), { force: true });
  }
}
