// The browser tests' Chromium from the npm package @sparticuz/chromium: the binary ships
// brotli-compressed in the package's tarball (nothing is downloaded) and is unpacked once per
// installed version into node_modules/.cache/, through a temporary directory renamed into place,
// so an interrupted unpack is never used.
//
// npm's postinstall runs this file, so `npm ci` leaves the browser ready and `npm test` does not
// spend ~4 s of CPU unpacking it; test/support/browser.ts unpacks it on first use where that did
// not happen (the cache removed, scripts skipped). Plain ESM, because postinstall runs it with
// node before anything else is installed or built. Where there is nothing to unpack it says why
// and leaves the install alone: an install without dev dependencies (no package), CHROMIUM_PATH
// set, a platform the package has no binary for.
import { chmodSync, createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createBrotliDecompress } from 'node:zlib';

const CHROMIUM_PACKAGE = '@sparticuz/chromium';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Why the package's Chromium cannot run here, or undefined where it can (x64 Linux). */
export function unsupportedPlatform() {
  if (process.platform === 'linux' && process.arch === 'x64') return undefined;
  return `${CHROMIUM_PACKAGE} ships Chromium for x64 Linux only (this is ${process.platform}/${process.arch})`;
}

/**
 * Where the installed package keeps its archives (`bin`) and where its Chromium is unpacked to
 * (`dir`, holding `chromium`, `lib/` and `fonts/`). Throws when the package is not installed.
 */
function chromiumPackage() {
  let packageDir;
  try {
    packageDir = join(dirname(createRequire(join(ROOT, 'package.json')).resolve(CHROMIUM_PACKAGE)), '..'); // <package>/build/index.js
  } catch (error) {
    throw new Error(`${CHROMIUM_PACKAGE} is not installed: run \`npm ci\` (${String(error)})`);
  }
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  return { bin: join(packageDir, 'bin'), dir: join(ROOT, 'node_modules', '.cache', `bmw-chromium-${version}`) };
}

/**
 * The directory of the package's Chromium, unpacked first if it is not yet; `unpacked` says whether
 * this call did. Throws when the package is not installed.
 */
export async function unpackedChromium() {
  const { bin, dir } = chromiumPackage();
  if (existsSync(join(dir, 'chromium'))) return { dir, unpacked: false };
  await unpack(bin, dir);
  return { dir, unpacked: true };
}

/** chromium.br → chromium; swiftshader (GL libraries, beside the binary); al2023 → lib/; fonts → fonts/. */
async function unpack(bin, dir) {
  const { default: tarFs } = await import('tar-fs');
  mkdirSync(dirname(dir), { recursive: true });
  const partial = mkdtempSync(`${dir}.partial-`);
  chmodSync(partial, 0o755);
  try {
    const unbrotli = (name) => createReadStream(join(bin, name)).pipe(createBrotliDecompress());
    await Promise.all([
      pipeline(unbrotli('chromium.br'), createWriteStream(join(partial, 'chromium'), { mode: 0o755 })),
      pipeline(unbrotli('swiftshader.tar.br'), tarFs.extract(partial)),
      pipeline(unbrotli('al2023.tar.br'), tarFs.extract(partial)), // lib/
      pipeline(unbrotli('fonts.tar.br'), tarFs.extract(join(partial, 'fonts'))),
    ]);
    // The package's fonts.conf names Lambda's directories; this one names ours.
    writeFileSync(
      join(partial, 'fonts', 'fonts.conf'),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${join(dir, 'fonts', 'fonts')}</dir>\n  <cachedir>${join(dir, 'fonts', 'cache')}</cachedir>\n</fontconfig>\n`,
    );
    try {
      renameSync(partial, dir);
    } catch (error) {
      // Another process unpacked it first: use theirs.
      if (!existsSync(join(dir, 'chromium'))) throw error;
    }
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}

/** postinstall: unpacks the package's Chromium unless there is nothing to do; never fails the install. */
async function postinstall() {
  const say = (message) => process.stdout.write(`browser tests' Chromium: ${message}\n`);
  if (process.env.CHROMIUM_PATH) return say(`CHROMIUM_PATH is set (${process.env.CHROMIUM_PATH}), nothing to unpack`);
  const unsupported = unsupportedPlatform();
  if (unsupported) return say(`${unsupported}: set CHROMIUM_PATH for the browser tests`);
  try {
    chromiumPackage();
  } catch {
    return say(`${CHROMIUM_PACKAGE} is not installed (no dev dependencies), nothing to unpack`);
  }
  const started = Date.now();
  try {
    const { dir, unpacked } = await unpackedChromium();
    if (unpacked) say(`unpacked into ${dir} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    say(`not unpacked (${String(error)}); the first browser test will try again`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await postinstall();
