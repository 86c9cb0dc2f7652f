// `npx tsx bench/portal.ts [--runs 10] [--screenshots]`: the portal's time to interactive in Chromium on the local
// runtime, from the navigation start to its own `portal-ready` mark (the sign-in form signed out, the webhook list after
// its API call signed in), median and max; --screenshots then runs bin/screenshots.ts (docs/portal-*.png).
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { removeDataDir, startRuntime } from '../local/runtime-process.js';
import { launchBrowser } from '../test/support/browser.js';
import { startReceiver } from '../local/receiver.js';
import { NO_RATE_LIMITS } from './scenario.js';
import { ROOT, runProcess } from './util.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' }, screenshots: { type: 'boolean', default: false } } });
const runs = Number(values.runs);

const rt = await startRuntime({ env: NO_RATE_LIMITS });
const receiver = await startReceiver();
const browser = await launchBrowser({ width: 1100, height: 760 });
const portal = `${rt.state.api_url}/portal`;

const readyAt = (page: Page) =>
  page.locator('html[data-ready]').waitFor().then(() => page.evaluate(() => performance.getEntriesByName('portal-ready')[0]!.startTime));

async function signIn(page: Page) {
  await page.getByLabel('API key').fill(rt.state.dev_api_key);
  await page.getByLabel('API secret').fill(rt.state.dev_api_secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
}

const stats = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return { median_ms: Math.round(sorted[Math.floor(sorted.length / 2)]!), max_ms: Math.round(sorted.at(-1)!), runs: xs.length };
};

try {
  const signedOut: number[] = [];
  const signedIn: number[] = [];
  const first = await browser.context.newPage();
  await first.goto(portal);
  const cold = await readyAt(first); // empty HTTP cache: the page and its assets are fetched
  await signIn(first);
  for (let i = 0; i < 3; i++) await first.getByLabel('Endpoint URL').fill(receiver.url(`/hooks/${i}`)).then(() => first.getByRole('button', { name: 'Create webhook' }).click());
  await first.close();
  for (let i = 0; i < runs; i++) {
    const page = await browser.context.newPage(); // new tab: signed out, assets from the HTTP cache
    await page.goto(portal);
    signedOut.push(await readyAt(page));
    await signIn(page);
    await page.reload();
    signedIn.push(await readyAt(page));
    await page.close();
  }
  const result = { first_load_signed_out_ms: Math.round(cold), signed_out: stats(signedOut), signed_in_with_webhook_list: stats(signedIn) };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await browser.close();
  await receiver.close();
  await rt.stop();
  removeDataDir(rt.dataDir);
}
const screenshots = ['--import', 'tsx', join(ROOT, 'bin', 'screenshots.ts')];
if (values.screenshots) process.stdout.write((await runProcess(process.execPath, screenshots, { cwd: ROOT })).stdout);

