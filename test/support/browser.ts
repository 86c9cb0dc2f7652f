// The portal's browser tests run Chromium from the npm package @sparticuz/chromium (installed by
// `npm ci`: the binary ships brotli-compressed in the package's tarball, nothing is downloaded),
// driven by playwright-core, headless, with a fresh profile that is removed on close.
//
// The package is built for Lambda; on any x64 Linux it runs given the libraries it ships (NSS,
// NSPR, expat in al2023.tar.br, put on the browser's LD_LIBRARY_PATH only) and its fonts: it needs
// nothing beyond glibc and libgcc_s. It is unpacked once per installed version into
// node_modules/.cache (so `npm ci` starts afresh), through a temporary directory renamed into
// place, so an interrupted unpack is never used. CHROMIUM_PATH=/path/to/chromium uses another
// Chromium instead (e.g. on arm64, for which the package ships no binary).
import { chmodSync, createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createBrotliDecompress } from 'node:zlib';
import { type BrowserContext, chromium, type ConsoleMessage, type Page } from 'playwright-core';
import tarFs from 'tar-fs';

const PACKAGE = '@sparticuz/chromium';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A Chromium to launch: the executable and the environment it needs. */
export type Chromium = { executablePath: string; env: Record<string, string> };

/** The package's Chromium, unpacked on first use; or CHROMIUM_PATH. Throws a message that says what to do. */
export async function findChromium(): Promise<Chromium> {
  const own = process.env.CHROMIUM_PATH;
  if (own) {
    if (!existsSync(own)) throw new Error(`CHROMIUM_PATH=${own} does not exist`);
    return { executablePath: own, env: {} };
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`${PACKAGE} ships Chromium for x64 Linux only (this is ${process.platform}/${process.arch}): set CHROMIUM_PATH to a Chromium or Chrome`);
  }
  let packageDir: string;
  try {
    packageDir = join(dirname(createRequire(join(ROOT, 'package.json')).resolve(PACKAGE)), '..'); // <package>/build/index.js
  } catch (error) {
    throw new Error(`${PACKAGE} is not installed: run \`npm ci\` (${String(error)})`);
  }
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const dir = join(ROOT, 'node_modules', '.cache', `bmw-chromium-${version}`);
  if (!existsSync(join(dir, 'chromium'))) await unpack(join(packageDir, 'bin'), dir);
  return {
    executablePath: join(dir, 'chromium'),
    env: {
      LD_LIBRARY_PATH: [join(dir, 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
      FONTCONFIG_PATH: join(dir, 'fonts'),
    },
  };
}

/** chromium.br → chromium; swiftshader (GL libraries, beside the binary); al2023 → lib/; fonts → fonts/. */
async function unpack(bin: string, dir: string): Promise<void> {
  mkdirSync(dirname(dir), { recursive: true });
  const partial = mkdtempSync(`${dir}.partial-`);
  chmodSync(partial, 0o755);
  try {
    const unbrotli = (name: string) => createReadStream(join(bin, name)).pipe(createBrotliDecompress());
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

export type Browser = { context: BrowserContext; close(): Promise<void> };

export async function launchBrowser(options: { width?: number; height?: number } = {}): Promise<Browser> {
  const { executablePath, env } = await findChromium();
  const userDataDir = mkdtempSync(join(tmpdir(), 'bmw-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      env: { ...process.env, ...env },
      headless: true,
      args: ARGS,
      viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
      timeout: 30_000,
    });
    return {
      context,
      close: async () => {
        await context.close();
        rmSync(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw error;
  }
}

/** What a page did that a user would not see: console errors, uncaught exceptions, and every URL it requested. */
export type PageRecord = { errors: string[]; requests: string[] };

export function recordPage(page: Page): PageRecord {
  const record: PageRecord = { errors: [], requests: [] };
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') record.errors.push(message.text());
  });
  page.on('pageerror', (error) => record.errors.push(String(error)));
  page.on('request', (request) => record.requests.push(request.url()));
  return record;
}
