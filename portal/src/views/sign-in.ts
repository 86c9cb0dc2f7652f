// Sign in with an API key and secret. The pair is checked with one API call before it is kept
// (in sessionStorage only).
import { Api, type Credentials } from '../api.js';
import { h } from '../dom.js';
import { errorBox } from '../ui.js';

export function signInView(onSignedIn: (api: Api) => void, initialError?: unknown): HTMLElement {
  const apiKey = h('input', { id: 'api-key', name: 'api-key', autocomplete: 'username', required: true, spellcheck: 'false', placeholder: 'bmk_…' });
  const apiSecret = h('input', { id: 'api-secret', name: 'api-secret', type: 'password', autocomplete: 'current-password', required: true, placeholder: 'bms_…' });
  const submit = h('button', { type: 'submit' }, 'Sign in');
  const errors = h('div', { role: 'alert', id: 'sign-in-errors' }, initialError ? errorBox(initialError) : null);
  const form = h(
    'form',
    { class: 'card sign-in', 'aria-labelledby': 'sign-in-title', novalidate: true },
    h('h2', { id: 'sign-in-title' }, 'Sign in'),
    h('p', { class: 'muted' }, 'Use an API key with the webhooks:read and webhooks:write scopes. It stays in this browser tab only.'),
    h('label', { for: 'api-key' }, 'API key'),
    apiKey,
    h('label', { for: 'api-secret' }, 'API secret'),
    apiSecret,
    submit,
    errors,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    const credentials: Credentials = { apiKey: apiKey.value.trim(), apiSecret: apiSecret.value.trim() };
    if (!credentials.apiKey || !credentials.apiSecret) {
      errors.replaceChildren(h('p', { class: 'error' }, 'Enter both the API key and the API secret.'));
      return;
    }
    submit.disabled = true;
    errors.replaceChildren();
    const api = new Api(credentials);
    api
      .listWebhooks()
      .then(() => onSignedIn(api))
      .catch((error: unknown) => {
        errors.replaceChildren(errorBox(error));
        apiSecret.select();
      })
      .finally(() => (submit.disabled = false));
  });
  queueMicrotask(() => apiKey.focus());
  return form;
}
