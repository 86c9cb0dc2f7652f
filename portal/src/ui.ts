// Small shared pieces of the portal's screens.
import { SUBSCRIBABLE_EVENT_TYPES } from '../../lambdas/domain/event-types.js';
import { ApiFailure } from './api.js';
import { h, uid } from './dom.js';
import type { Api } from './api.js';
import type { Webhook, WebhookHealth } from './types.js';

/** What every screen gets from the app shell. */
export type Ctx = {
  api: Api;
  /** Shows an error (its message, code and request id); a 401 signs out. */
  fail(error: unknown): void;
  /** Shows a short confirmation. */
  notify(text: string): void;
  clearMessages(): void;
  go(hash: string): void;
};

/** An API error as the integrator needs it: the message, the code and the request id to quote. */
export function errorBox(error: unknown): HTMLElement {
  const failure = error instanceof ApiFailure ? error : undefined;
  return h(
    'div',
    { class: 'error', 'data-testid': 'error' },
    h('p', null, h('strong', null, failure ? `${failure.status ? `${failure.status} ` : ''}${failure.code}` : 'Error'), ': ', failure?.message ?? String(error)),
    failure?.field ? h('p', null, 'Field: ', h('code', null, failure.field)) : null,
    failure?.requestId ? h('p', { class: 'request-id' }, 'Request id: ', h('code', null, failure.requestId)) : null,
  );
}

/** Runs an action from a button, with the button disabled meanwhile. */
export function action(button: HTMLButtonElement, ctx: Ctx, run: () => Promise<void>): void {
  button.addEventListener('click', () => {
    if (button.disabled) return;
    button.disabled = true;
    ctx.clearMessages();
    run()
      .catch((error: unknown) => ctx.fail(error))
      .finally(() => (button.disabled = false));
  });
}

/**
 * Handles a form's submit with script only (CSP form-action 'none' blocks any real submission).
 * The fields' own constraints (required, type=url, min/max) are checked first, and the browser
 * says at the field what is wrong: a form that fails them never reaches the API.
 */
export function onSubmit(form: HTMLFormElement, ctx: Ctx, run: () => Promise<void>): void {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const button = form.querySelector<HTMLButtonElement>('button[type=submit]');
    if (button?.disabled) return;
    if (button) button.disabled = true;
    ctx.clearMessages();
    run()
      .catch((error: unknown) => ctx.fail(error))
      .finally(() => {
        if (button) button.disabled = false;
      });
  });
}

/** A secret shown this once, with a copy button. It lives in this element only: never stored. */
export function secretOnce(title: string, secret: string, note: string, onDone: () => void): HTMLElement {
  const copy = h('button', { type: 'button', class: 'secondary' }, 'Copy');
  const copied = h('span', { class: 'muted', role: 'status' });
  const value = h('code', { class: 'secret', 'data-testid': 'secret' }, secret);
  copy.addEventListener('click', () => {
    navigator.clipboard.writeText(secret).then(
      () => (copied.textContent = 'Copied.'),
      () => {
        // No clipboard access: select the text so Ctrl-C copies it.
        getSelection()?.selectAllChildren(value);
        copied.textContent = 'Selected: press Ctrl-C to copy.';
      },
    );
  });
  const done = h('button', { type: 'button' }, 'I have saved it');
  const titleId = uid('secret-title');
  const box = h('section', { class: 'secret-once', 'aria-labelledby': titleId },
    h('h3', { id: titleId, tabindex: '-1' }, title),
    h('p', null, note),
    h('div', { class: 'secret-row' }, value, copy, copied),
    done,
  );
  done.addEventListener('click', () => {
    box.remove();
    onDone();
  });
  return box;
}

export function statusBadge(webhook: Webhook): HTMLElement {
  const reason = webhook.status === 'disabled' && webhook.disabled_reason ? ` (${webhook.disabled_reason})` : '';
  return h('span', { class: `badge ${webhook.status}`, title: webhook.disabled_at ? `disabled at ${webhook.disabled_at}` : null }, webhook.status + reason);
}

/** The endpoint's health (SPEC §7) as a badge; the counts and times are in its title. */
export function healthBadge(health: WebhookHealth): HTMLElement {
  const detail = [
    `${health.consecutive_failures} consecutive failure${health.consecutive_failures === 1 ? '' : 's'}`,
    `last success: ${health.last_success_at ?? 'never'}`,
    `last failure: ${health.last_failure_at ?? 'never'}`,
  ].join('; ');
  return h('span', { class: `badge health-${health.state}`, title: detail, 'data-testid': 'health' }, `health: ${health.state}`);
}

/** The event checkboxes: the subscribable types (lambdas/domain/event-types.ts), or all. */
export function eventPicker(selected: readonly string[]): { element: HTMLElement; value(): string[] } {
  const all = h('input', { type: 'checkbox', id: uid('all-events'), checked: selected.length === 0 });
  const boxes = SUBSCRIBABLE_EVENT_TYPES.map((type) => {
    const id = uid('event');
    const input = h('input', { type: 'checkbox', id, value: type, checked: selected.includes(type) });
    return { input, label: h('label', { for: id, class: 'check' }, input, ' ', h('code', null, type)) };
  });
  const sync = () => boxes.forEach((b) => (b.input.disabled = all.checked));
  all.addEventListener('change', sync);
  sync();
  const element = h(
    'fieldset',
    { class: 'events' },
    h('legend', null, 'Events'),
    h('label', { for: all.id, class: 'check all' }, all, ' All events, present and future'),
    h('div', { class: 'event-grid' }, boxes.map((b) => b.label)),
  );
  return { element, value: () => (all.checked ? [] : boxes.filter((b) => b.input.checked).map((b) => b.input.value)) };
}

export function eventsSummary(events: readonly string[]): string {
  return events.length === 0 ? 'all events' : events.length <= 2 ? events.join(', ') : `${events.length} events`;
}
