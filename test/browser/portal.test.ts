// The integrator portal (SPEC §10) in a real browser — the npm package's Chromium through playwright-core —
// against the real local runtime and a loopback receiver. One browser for the file; each test
// opens its own tab (sessionStorage is per tab, so each starts signed out).
import { jest } from '@jest/globals';
import type { Page } from 'playwright-core';
import { apiClient } from '../support/api-client.js';
import { type Browser, launchBrowser, type PageRecord, recordPage } from '../support/browser.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { removeDataDir, type RuntimeProcess, startRuntime } from '../support/runtime-process.js';
import { startAll } from '../support/start-all.js';
import { waitFor } from '../support/wait-for.js';

// A browser on a loaded 2-core machine (CI runs two test files at once) takes its time: a fresh
// clone's run once needed more than the default 30 s for the phone test.
jest.setTimeout(60_000);

let rt: RuntimeProcess;
let receiver: Receiver;
let browser: Browser;
const records: PageRecord[] = [];

beforeAll(async () => {
  [rt, receiver, browser] = await startAll([
    // The portal polls the history after a test event; the limits have their own test.
    startRuntime({ env: { RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_PER_MINUTE: '1000000' } }),
    startReceiver(),
    launchBrowser(),
  ]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  if (rt) {
    expect(await rt.stop()).toBe(0);
    removeDataDir(rt.dataDir);
  }
});

afterEach(() => {
  if (!rt) return; // beforeAll failed: its error is the one to read
  // Every tab: no console error or uncaught exception, and not one request to another origin.
  const origin = new URL(rt.state.api_url).origin;
  for (const record of records.splice(0)) {
    expect(record.errors).toEqual([]);
    expect(record.requests.length).toBeGreaterThan(0);
    expect(record.requests.filter((url) => new URL(url).origin !== origin)).toEqual([]);
  }
});

async function openPortal(viewport?: { width: number; height: number }): Promise<Page> {
  const page = await browser.context.newPage();
  if (viewport) await page.setViewportSize(viewport);
  records.push(recordPage(page));
  await page.goto(`${rt.state.api_url}/portal`);
  await page.locator('html[data-ready]').waitFor();
  return page;
}

/** With the keyboard only: the key field has focus on load, Tab to the secret, Enter submits. */
async function typeSignIn(page: Page, secret: string): Promise<void> {
  await page.keyboard.type(rt.state.dev_api_key);
  await page.keyboard.press('Tab');
  await page.keyboard.type(secret);
  await page.keyboard.press('Enter');
}

/**
 * Signs in and waits until the webhooks list has loaded (the page then moves focus to its
 * heading): rows that arrive later push the form down, and a click aimed at it meanwhile lands
 * elsewhere (on a phone screen, under load, a create once never happened).
 */
async function signIn(page: Page): Promise<void> {
  await typeSignIn(page, rt.state.dev_api_secret);
  await page.locator('#main h1:focus').waitFor();
}

async function createWebhook(page: Page, url: string): Promise<string> {
  await page.getByLabel('Endpoint URL').fill(url);
  await page.getByRole('button', { name: 'Create webhook' }).click();
  return (await page.getByTestId('secret').textContent())!;
}

/**
 * Waits, as a user would on a slow day, until the history shows `count` attempts: the page looks
 * for a test event's attempt for 5 s by itself; after that the history's Apply asks again.
 */
async function historyRows(page: Page, count: number) {
  const rows = page.locator('table.deliveries tbody tr');
  await waitFor(
    async () => {
      if ((await rows.count()) >= count) return true;
      await page.getByRole('button', { name: 'Apply' }).click();
      return (await rows.count()) >= count;
    },
    { what: () => `${count} attempt(s) in the history table` },
  );
  return rows;
}

/** Evaluated in the page (a string: the test code is type-checked without the DOM library). */
const noHorizontalScroll = (page: Page) =>
  page.evaluate<boolean>('document.documentElement.scrollWidth <= document.documentElement.clientWidth');

describe('integrator portal', () => {
  it('is served with a strict CSP, and signs in, creates a webhook, shows its secret once and a test event in the history', async () => {
    const page = await browser.context.newPage();
    records.push(recordPage(page));
    const response = await page.goto(`${rt.state.api_url}/portal`);
    const csp = response!.headers()['content-security-policy']!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response!.headers()['x-content-type-options']).toBe('nosniff');
    await page.locator('html[data-ready]').waitFor();

    await signIn(page);
    const path = '/hooks/portal-happy';
    const secret = await createWebhook(page, receiver.url(path));
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    await page.getByRole('link', { name: receiver.url(path) }).waitFor();

    // The secret lives in the page only: not in storage, a cookie or the URL, and gone after a reload.
    expect(await page.evaluate(() => JSON.stringify({ ...sessionStorage, ...localStorage }))).not.toContain(secret);
    expect(await browser.context.cookies()).toEqual([]);
    expect(page.url()).not.toContain(rt.state.dev_api_secret);
    await page.reload();
    await page.getByRole('link', { name: receiver.url(path) }).waitFor(); // still signed in (sessionStorage)
    expect(await page.content()).not.toContain(secret);

    await page.getByRole('link', { name: receiver.url(path) }).click();
    await page.getByRole('heading', { name: 'Delivery history' }).waitFor();
    await page.getByRole('button', { name: 'Send test event' }).click();
    const row = page.locator('table.deliveries tbody tr').first();
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('succeeded');
    expect(await row.locator('td[data-label="Event"]').textContent()).toContain('webhook.test');
    expect(await row.locator('td[data-label="HTTP"]').textContent()).toBe('200');
    expect(await row.locator('td[data-label="Response time"]').textContent()).toMatch(/^\d+ ms$/);
    expect(receiver.received(path)).toHaveLength(1);
    expect(JSON.parse(receiver.received(path)[0]!.body)).toMatchObject({ event_type: 'webhook.test' });

    // The status filter asks the API: no failed attempt, so nothing is listed.
    await page.getByLabel('Status', { exact: true }).first().selectOption('failed');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No delivery attempts match.').waitFor();
  });

  it('shows the API error message and request id for a wrong secret, and keeps nothing', async () => {
    const page = await openPortal();
    await typeSignIn(page, 'bms_wrong');
    const error = page.getByTestId('error');
    await error.waitFor();
    const text = (await error.textContent())!;
    expect(text).toContain('401 UNAUTHORIZED');
    expect(text).toContain('Missing or invalid API credentials');
    expect(text).toMatch(/Request id: [0-9a-f-]{36}/);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    // The failed call itself is the only console error a browser prints for a 401; it is expected here.
    records.at(-1)!.errors = records.at(-1)!.errors.filter((e) => !/status of 401/.test(e));
  });

  it('edits events and status, then deletes the webhook after a confirmation', async () => {
    const page = await openPortal();
    await signIn(page);
    const url = receiver.url('/hooks/portal-edit');
    await createWebhook(page, url);
    await page.getByRole('link', { name: url }).click();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    await page.getByLabel('All events, present and future').uncheck();
    await page.getByLabel('order.filled').check();
    await page.getByLabel('account.closed').check();
    await page.getByLabel('Status', { exact: true }).last().selectOption('disabled');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByTestId('notices').getByText('Saved.').waitFor();

    const id = decodeURIComponent(new URL(page.url()).hash.replace('#/webhooks/', ''));
    const call = apiClient(rt.state);
    const stored = await call('GET', `/v1/webhooks/${id}`);
    expect(stored.body).toMatchObject({ url, status: 'disabled' });
    expect([...stored.body.events].sort()).toEqual(['account.closed', 'order.filled']);

    // A disabled webhook takes no test event: the API's 409 is shown with its request id.
    await page.getByRole('button', { name: 'Send test event' }).click();
    expect(await page.getByTestId('error').textContent()).toMatch(/409 WEBHOOK_DISABLED.*Request id: [0-9a-f-]{36}/);
    records.at(-1)!.errors = records.at(-1)!.errors.filter((e) => !/status of 409/.test(e));

    await page.getByRole('button', { name: 'Delete webhook' }).click();
    await page.getByRole('button', { name: 'Confirm delete' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await page.getByTestId('notices').getByText(`Deleted ${url}.`).waitFor();
    expect((await call('GET', `/v1/webhooks/${id}`)).status).toBe(404);
    expect(await page.getByRole('link', { name: url }).count()).toBe(0);
  });

  it('redelivers an event from the history (SPEC §7): a second attempt, numbered 2, reaches the endpoint', async () => {
    const page = await openPortal();
    await signIn(page);
    const path = '/hooks/portal-redeliver';
    await createWebhook(page, receiver.url(path));
    await page.getByRole('link', { name: receiver.url(path) }).click();
    await page.getByRole('button', { name: 'Send test event' }).click();
    const rows = await historyRows(page, 1);
    const eventId = JSON.parse(receiver.received(path)[0]!.body).event_id as string;

    await page.getByRole('button', { name: `Redeliver event ${eventId}` }).first().click();
    await page.getByTestId('notices').getByText(`Event ${eventId} (webhook.test) queued for redelivery.`).waitFor();
    await waitFor(() => receiver.received(path).length === 2, { what: () => 'the redelivery at the receiver' });
    const [first, second] = receiver.received(path).map((r) => JSON.parse(r.body));
    expect(second.event_id).toBe(eventId);
    expect(second.id).not.toBe(first.id);
    // The history as the page shows it, asked again until the attempt is recorded.
    await waitFor(
      async () => {
        await page.getByRole('button', { name: 'Apply' }).click();
        return (await rows.count()) === 2;
      },
      { what: () => 'two attempts in the history table' },
    );
    expect(await rows.first().locator('td[data-label="Attempt"]').textContent()).toBe('2');
    expect(await rows.first().getAttribute('data-status')).toBe('succeeded');
  });

  it('checks the required URL in the browser: an empty or malformed one never reaches the API', async () => {
    const page = await openPortal();
    const writes: string[] = [];
    page.on('request', (request) => {
      if (request.method() !== 'GET') writes.push(`${request.method()} ${request.url()}`);
    });
    await signIn(page);
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    const create = page.getByRole('button', { name: 'Create webhook' });
    await create.click();
    expect(await page.evaluate<boolean>("document.getElementById('new-url').validity.valueMissing")).toBe(true);
    await page.getByLabel('Endpoint URL').fill('not a url');
    await create.click();
    expect(await page.evaluate<boolean>("document.getElementById('new-url').validity.typeMismatch")).toBe(true);
    await page.waitForTimeout(300);
    expect(writes).toEqual([]);
    expect(await page.getByTestId('error').count()).toBe(0);
  });

  it('fits a 390 px wide phone screen without horizontal scrolling', async () => {
    const page = await openPortal({ width: 390, height: 844 });
    expect(await noHorizontalScroll(page)).toBe(true);
    await signIn(page);
    await createWebhook(page, receiver.url('/hooks/portal-a-rather-long-path-that-must-wrap-on-a-phone-screen-without-scrolling'));
    expect(await noHorizontalScroll(page)).toBe(true);
    await page.locator('.webhooks a').last().click();
    await page.getByRole('button', { name: 'Send test event' }).click();
    await historyRows(page, 1);
    expect(await noHorizontalScroll(page)).toBe(true);
  });
});
