// SPEC §11 delivery controls on the webhook page: the rate limit and the ordering in one form,
// the custom headers in another. Header values are write-only: the API shows each as "****",
// and a save replaces the whole map, so every value is entered again (an empty list removes them).
import { h, replaceChildren, uid } from '../dom.js';
import type { Webhook } from '../types.js';
import { type Ctx, onSubmit } from '../ui.js';

const MAX_HEADERS = 10;

export function deliveryControlsForm(ctx: Ctx, webhook: Webhook, updated: (w: Webhook) => void): HTMLElement {
  const rate = h('input', {
    id: uid('rate'),
    type: 'number',
    min: 1,
    max: 1000,
    step: 1,
    inputmode: 'numeric',
    placeholder: 'No limit',
    value: webhook.rate_limit_per_second ?? '',
  });
  const ordering = h(
    'select',
    { id: uid('ordering') },
    h('option', { value: 'none', selected: webhook.ordering !== 'per_entity' }, 'none: deliver as soon as possible'),
    h('option', { value: 'per_entity', selected: webhook.ordering === 'per_entity' }, 'per_entity: in publish order per order or account'),
  );
  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'controls-title', novalidate: true },
    h('h2', { id: 'controls-title' }, 'Delivery controls'),
    h('label', { for: rate.id }, 'Rate limit (deliveries per second, 1–1000; empty for no limit)'),
    rate,
    h('label', { for: ordering.id }, 'Ordering'),
    ordering,
    h('button', { type: 'submit' }, 'Save delivery controls'),
  );
  onSubmit(form, ctx, async () => {
    const text = rate.value.trim();
    const limit = text === '' ? null : Number(text);
    if (limit !== null && !(Number.isInteger(limit) && limit >= 1 && limit <= 1000)) throw new Error('The rate limit is a whole number from 1 to 1000, or empty for no limit.');
    const result = await ctx.api.updateWebhook(webhook.id, { rate_limit_per_second: limit, ordering: ordering.value as Webhook['ordering'] });
    updated(result);
    ctx.notify('Delivery controls saved.');
  });
  return form;
}

export function customHeadersForm(ctx: Ctx, webhook: Webhook, updated: (w: Webhook) => void): HTMLElement {
  const current = h('p', { class: 'muted' });
  showHeaderNames(current, webhook);
  const { rows, addButton } = headerRowsEditor(Object.keys(webhook.headers));
  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'headers-title', novalidate: true },
    h('h2', { id: 'headers-title' }, 'Custom headers'),
    h('p', null, `Sent with every delivery (at most ${MAX_HEADERS}), e.g. an Authorization your gateway needs. Values are write-only: saving replaces all headers, so enter each value again; saving none removes them.`),
    current,
    rows,
    h('div', { class: 'actions' }, addButton, h('button', { type: 'submit' }, 'Replace headers')),
  );
  onSubmit(form, ctx, async () => {
    const headers = enteredHeaders(rows);
    const result = await ctx.api.updateWebhook(webhook.id, { headers: Object.keys(headers).length === 0 ? null : headers });
    // The values leave the page with the request: the inputs are emptied.
    for (const input of Array.from(rows.querySelectorAll<HTMLInputElement>('[data-role=value]'))) {
      input.value = '';
      input.placeholder = '**** (enter again to keep)';
    }
    showHeaderNames(current, result);
    updated(result);
    ctx.notify(Object.keys(headers).length === 0 ? 'Custom headers removed.' : 'Custom headers saved.');
  });
  return form;
}

/** The names of the headers the webhook sends now (their values are never shown). */
function showHeaderNames(current: HTMLElement, w: Webhook): void {
  const names = Object.keys(w.headers);
  replaceChildren(current, names.length === 0 ? 'No custom headers.' : ['Sent now: ', ...names.flatMap((n, i) => [i > 0 ? ', ' : '', h('code', null, `${n}: ****`)])]);
}

/** A row per header (its name kept, its value to enter again), and the button that adds one, up to MAX_HEADERS. */
function headerRowsEditor(names: string[]): { rows: HTMLElement; addButton: HTMLButtonElement } {
  const rows = h('div', { class: 'header-rows' });
  const addButton = h('button', { type: 'button' }, 'Add header');
  const limitRows = () => {
    addButton.disabled = rows.children.length >= MAX_HEADERS;
  };
  const addRow = (name = '') => {
    const { row, nameInput } = headerRow(name, limitRows);
    rows.append(row);
    limitRows();
    return nameInput;
  };
  for (const name of names) addRow(name);
  addButton.addEventListener('click', () => addRow().focus());
  return { rows, addButton };
}

/** A header's name and value inputs, and a button that removes the row (then calls `removed`). */
function headerRow(name: string, removed: () => void): { row: HTMLElement; nameInput: HTMLInputElement } {
  const nameInput = h('input', { id: uid('header-name'), type: 'text', value: name, spellcheck: 'false', autocomplete: 'off', maxlength: 64, 'data-role': 'name' });
  // Write-only: never prefilled (the API never returns a value), never shown as typed.
  const valueInput = h('input', { id: uid('header-value'), type: 'password', spellcheck: 'false', autocomplete: 'off', maxlength: 1000, placeholder: name ? '**** (enter again to keep)' : '', 'data-role': 'value' });
  const remove = h('button', { type: 'button', class: 'danger' }, 'Remove');
  const row = h(
    'div',
    { class: 'header-row' },
    h('label', { for: nameInput.id }, 'Name'),
    nameInput,
    h('label', { for: valueInput.id }, 'Value'),
    valueInput,
    remove,
  );
  remove.addEventListener('click', () => {
    row.remove();
    removed();
  });
  return { row, nameInput };
}

/** The headers the rows hold; a row left empty is skipped, a value without a name is refused. */
function enteredHeaders(rows: HTMLElement): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const row of Array.from(rows.children)) {
    const name = row.querySelector<HTMLInputElement>('[data-role=name]')!.value.trim();
    const value = row.querySelector<HTMLInputElement>('[data-role=value]')!.value;
    if (name === '' && value === '') continue;
    if (name === '') throw new Error('Each header needs a name.');
    headers[name] = value;
  }
  return headers;
}
