// Rewrites the portal's pictures in docs/ (docs/portal-*.png, shown by docs/portal.md and the
// README) from the portal as it is now:
//
//   npx tsx bin/screenshots.ts
//
// Starts its own local runtime (temporary DATA_DIR, free ports) and a loopback receiver, and drives
// the portal in the Chromium the browser tests use (test/support/browser.ts): sign in, create two
// webhooks (the new one's secret shown once), send a test event its endpoint refuses with a 503,
// redeliver it (the endpoint now answers 200), and photograph the webhook page — health, the
// history with both attempts, redeliver, recover and secret rotation — on a desktop and a phone.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { removeDataDir, startRuntime } from '../local/runtime-process.js';
import { launchBrowser } from '../test/support/browser.js';
import { startReceiver } from '../test/support/receiver.js';
const DOCS = fileURLToPath(new URL('../docs', import.meta.url));
const picture = (name: string) => join(DOCS, `portal-${name}.png`);

const rt = await startRuntime({ env: { RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_PER_MINUTE: '1000000' } });
const receiver = await startReceiver();
const browser = await launchBrowser({ width: 1100, height: 760 });

/** Polls until `check` holds (the portal and the delivery path are asynchronous), or fails after 20 s. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function createWebhook(page: Page, path: string, events: string[]): Promise<void> {
  await page.getByLabel('Endpoint URL').fill(receiver.url(path));
  if (events.length > 0) {
    await page.getByLabel('All events, present and future').uncheck();
    for (const event of events) await page.getByLabel(event).check();
  }
  await page.getByRole('button', { name: 'Create webhook' }).click();
  await page.getByTestId('secret').waitFor();
  await page.getByRole('link', { name: receiver.url(path) }).waitFor(); // the list reloaded
  await page.locator('button[type=submit]:not([disabled])').waitFor();
}

/** Without the focus ring the portal puts on a screen's heading (for screen readers, not the picture). */
const blur = (page: Page) => page.evaluate('document.activeElement && document.activeElement.blur()');

async function health(id: string): Promise<string> {
  const auth = Buffer.from(`${rt.state.dev_api_key}:${rt.state.dev_api_secret}`).toString('base64');
  const response = await fetch(`${rt.state.api_url}/v1/webhooks/${id}`, { headers: { authorization: `Basic ${auth}` } });
  return ((await response.json()) as { health: { state: string } }).health.state;
}

try {
  const page = await browser.context.newPage();
  await page.goto(`${rt.state.api_url}/portal`);
  await page.locator('html[data-ready]').waitFor();
  await page.screenshot({ path: picture('sign-in') });

  await page.getByLabel('API key').fill(rt.state.dev_api_key);
  await page.getByLabel('API secret').fill(rt.state.dev_api_secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
  await createWebhook(page, '/hooks/accounts', []);
  await page.getByRole('button', { name: 'I have saved it' }).click();
  receiver.script('/hooks/orders', { statuses: [503, 200] });
  await createWebhook(page, '/hooks/orders', ['order.filled', 'order.cancelled']);
  await page.screenshot({ path: picture('webhooks'), fullPage: true });

  await page.getByRole('link', { name: receiver.url('/hooks/orders') }).click();
  await page.getByRole('heading', { name: 'Delivery history' }).waitFor();
  const id = decodeURIComponent(new URL(page.url()).hash.replace('#/webhooks/', ''));
  const rows = page.locator('table.deliveries tbody tr');
  const attempts = (n: number) =>
    until(`${n} attempt(s) in the history`, async () => {
      if ((await rows.count()) >= n) return true;
      await page.getByRole('button', { name: 'Apply' }).click();
      return (await rows.count()) >= n;
    });
  await page.getByRole('button', { name: 'Send test event' }).click();
  await attempts(1);
  await rows.first().getByRole('button', { name: 'Redeliver' }).click();
  await attempts(2);
  await until('the endpoint to be healthy again', async () => (await health(id)) === 'healthy');
  await page.reload(); // the summary's health badge as it is now
  await page.locator('html[data-ready]').waitFor();
  await rows.nth(1).waitFor();
  await blur(page);
  await page.screenshot({ path: picture('webhook'), fullPage: true });

  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('heading', { name: 'Delivery history' }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: picture('phone') });
  process.stdout.write(`written: ${['sign-in', 'webhooks', 'webhook', 'phone'].map(picture).join(', ')}\n`);
} finally {
  await browser.close();
  await receiver.close();
  await rt.stop();
  removeDataDir(rt.dataDir);
}
