// The partner's webhooks (paged, oldest first) and the form that creates one; a new webhook's
// secret is shown here once.
import { h, replaceChildren, time } from '../dom.js';
import type { CreatedWebhook, Webhook } from '../types.js';
import { type Ctx, eventPicker, eventsSummary, healthBadge, onSubmit, secretOnce, statusBadge } from '../ui.js';

export function webhookListView(ctx: Ctx): { element: HTMLElement; ready: Promise<void> } {
  const list = h('ul', { class: 'webhooks', 'aria-label': 'Webhooks' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
  const empty = h('p', { class: 'muted', hidden: true }, 'No webhooks yet. Create one below.');
  const created = h('div');
  let cursor: string | null = null;

  const load = async (next?: string) => {
    const page = await ctx.api.listWebhooks(next);
    if (!next) list.replaceChildren();
    page.items.forEach((w) => list.append(webhookRow(w)));
    cursor = page.nextCursor;
    more.hidden = cursor === null;
    empty.hidden = list.childElementCount > 0;
  };
  more.addEventListener('click', () => {
    if (cursor) load(cursor).catch((e: unknown) => ctx.fail(e));
  });

  const form = createWebhookForm(ctx, async (webhook) => {
    const box = secretOnce(
      'Webhook created: copy its signing secret now',
      webhook.secret,
      `This is the only time the secret of ${webhook.url} is shown. Store it where your receiver verifies signatures.`,
      () => list.querySelector<HTMLAnchorElement>(`li[data-id="${CSS.escape(webhook.id)}"] a`)?.focus(),
    );
    replaceChildren(created, box);
    await load();
    box.querySelector<HTMLElement>('h3')?.focus();
  });

  const element = h(
    'div',
    null,
    h('h1', { tabindex: '-1' }, 'Webhooks'),
    created,
    list,
    empty,
    more,
    form,
  );
  return { element, ready: load() };
}

function webhookRow(w: Webhook): HTMLLIElement {
  return h(
    'li',
    { class: 'webhook card', 'data-id': w.id },
    h('a', { href: `#/webhooks/${encodeURIComponent(w.id)}`, class: 'url' }, w.url),
    h('div', { class: 'meta' }, statusBadge(w), healthBadge(w.health), h('span', null, eventsSummary(w.events)), h('span', { class: 'muted' }, 'created ', time(w.created_at))),
  );
}

/** The form that creates a webhook; `created` gets the new one, its secret included. */
function createWebhookForm(ctx: Ctx, created: (webhook: CreatedWebhook) => Promise<void>): HTMLFormElement {
  const url = h('input', { id: 'new-url', type: 'url', required: true, placeholder: 'https://example.com/webhooks', inputmode: 'url', spellcheck: 'false' });
  const picker = eventPicker([]);
  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'create-title', novalidate: true },
    h('h2', { id: 'create-title' }, 'New webhook'),
    h('label', { for: 'new-url' }, 'Endpoint URL'),
    url,
    picker.element,
    h('button', { type: 'submit' }, 'Create webhook'),
  );
  onSubmit(form, ctx, async () => {
    const events = picker.value();
    if (!form.querySelector<HTMLInputElement>('fieldset input')!.checked && events.length === 0) {
      throw new Error('Pick at least one event, or All events.');
    }
    const webhook = await ctx.api.createWebhook({ url: url.value.trim(), events });
    url.value = '';
    await created(webhook);
  });
  return form;
}
