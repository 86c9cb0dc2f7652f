// The portal's browser tests run Chromium from the npm package @sparticuz/chromium, driven by
// playwright-core, headless, with a fresh profile that is removed on close.
//
// The package is built for Lambda; on any x64 Linux it runs given the libraries it ships (NSS,
// NSPR, expat in al2023.tar.br, put on the browser's LD_LIBRARY_PATH only) and its fonts: it needs
// nothing beyond glibc and libgcc_s. `npm ci` unpacks it (test/support/chromium-package.mjs, run
// by postinstall); it is unpacked here on first use where that did not happen.
// CHROMIUM_PATH=/path/to/chromium uses another Chromium instead (e.g. on arm64, for which the
// package ships no binary).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type ConsoleMessage, type Page } from 'playwright-core';
import { unpackedChromium, unsupportedPlatform } from './chromium-package.mjs';

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

/** The package's Chromium (unpacked here if `npm ci` did not); or CHROMIUM_PATH. Throws a message that says what to do. */
export async function findChromium(): Promise<Chromium> {
  const own = process.env.CHROMIUM_PATH;
  if (own) {
    if (!existsSync(own)) throw new Error(`CHROMIUM_PATH=${own} does not exist`);
    return { executablePath: own, env: {} };
  }
  const unsupported = unsupportedPlatform();
  if (unsupported) throw new Error(`${unsupported}: set CHROMIUM_PATH to a Chromium or Chrome`);
  const { dir } = await unpackedChromium();
  return {
    executablePath: join(dir, 'chromium'),
    env: {
      LD_LIBRARY_PATH: [join(dir, 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
      FONTCONFIG_PATH: join(dir, 'fonts'),
    },
  };
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
