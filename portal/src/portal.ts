// The integrator portal (SPEC §10): an app shell with hash routes — `#/` the webhooks, `#/webhooks/<id>`
// one webhook — over the public API. Signed out, it shows the sign-in form.
import './portal.css';
import { Api, ApiFailure } from './api.js';
import { h, replaceChildren } from './dom.js';
import { clearCredentials, loadCredentials, saveCredentials } from './session.js';
import { type Ctx, errorBox } from './ui.js';
import { signInView } from './views/sign-in.js';
import { webhookDetailView } from './views/webhook-detail.js';
import { webhookListView } from './views/webhook-list.js';

const app = document.getElementById('app')!;
const account = h('div', { class: 'account' });
const alerts = h('div', { role: 'alert', class: 'alerts', 'data-testid': 'alerts' });
const notices = h('div', { role: 'status', class: 'notices', 'data-testid': 'notices' });
const main = h('main', { id: 'main' });
replaceChildren(
  app,
  h('a', { href: '#main', class: 'skip' }, 'Skip to content'),
  h('header', null, h('div', { class: 'bar' }, h('span', { class: 'brand' }, 'Buildmarkets Webhooks'), account)),
  h('div', { class: 'container' }, alerts, notices, main),
);

let api: Api | null = null;
const stored = loadCredentials();
if (stored) api = new Api(stored);

function signOut(error?: unknown): void {
  clearCredentials();
  api = null;
  render(error);
}

const ctx = (current: Api): Ctx => ({
  api: current,
  fail: (error) => {
    if (error instanceof ApiFailure && error.status === 401) return signOut(error);
    replaceChildren(alerts, errorBox(error));
  },
  notify: (text) => replaceChildren(notices, h('p', { class: 'notice' }, text)),
  clearMessages: () => {
    alerts.replaceChildren();
    notices.replaceChildren();
  },
  go: (hash) => {
    keepNotice = true; // "Deleted …" outlives the navigation it causes
    if (location.hash === hash) render();
    else location.hash = hash;
  },
});

function render(signInError?: unknown): void {
  alerts.replaceChildren();
  if (!api) {
    account.replaceChildren();
    replaceChildren(main, signInView((signedIn) => {
      saveCredentials(signedIn.credentials);
      api = signedIn;
      if (location.hash && location.hash !== '#/') location.hash = '#/';
      else render();
    }, signInError));
    ready();
    return;
  }
  const signOutButton = h('button', { type: 'button', class: 'secondary small' }, 'Sign out');
  signOutButton.addEventListener('click', () => signOut());
  replaceChildren(account, h('span', { class: 'muted key', title: 'API key in use' }, api.credentials.apiKey), signOutButton);
  const c = ctx(api);
  const match = /^#\/webhooks\/([^/]+)$/.exec(location.hash);
  const view = match ? webhookDetailView(c, decodeURIComponent(match[1]!)) : webhookListView(c);
  replaceChildren(main, view.element);
  view.ready
    .then(() => {
      main.querySelector<HTMLElement>('h1')?.focus({ preventScroll: true });
    })
    .catch((error: unknown) => c.fail(error))
    .finally(ready);
}

/** Marks the first screen as usable (measured by bench/portal.ts). */
function ready(): void {
  if (document.documentElement.dataset.ready) return;
  document.documentElement.dataset.ready = 'true';
  performance.mark('portal-ready');
}

let keepNotice = false;
window.addEventListener('hashchange', () => {
  if (!keepNotice) notices.replaceChildren();
  keepNotice = false;
  render();
});
render();
