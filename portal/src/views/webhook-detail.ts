// One webhook: its settings (url, events, status) and delivery controls (SPEC §11) to edit, a
// test event, delete, the SPEC §7 operations (recover, rotate the secret; redeliver in the
// history) and its delivery history.
import { h, replaceChildren, time, uid } from '../dom.js';
import type { Webhook } from '../types.js';
import { action, type Ctx, eventPicker, healthBadge, onSubmit, statusBadge } from '../ui.js';
import { deliveriesPanel } from './deliveries.js';
import { customHeadersForm, deliveryControlsForm } from './delivery-controls.js';
import { recoverForm, rotateSecretForm } from './operations.js';

export function webhookDetailView(ctx: Ctx, id: string): { element: HTMLElement; ready: Promise<void> } {
  const element = h('div', null, h('p', null, h('a', { href: '#/' }, '← All webhooks')));
  const ready = ctx.api.getWebhook(id).then((webhook) => {
    const history = deliveriesPanel(ctx, webhook.id);
    const summary = h('div');
    const showSummary = (w: Webhook) =>
      replaceChildren(
        summary,
        h('h1', { tabindex: '-1', class: 'url' }, w.url),
        h(
          'div',
          { class: 'meta' },
          statusBadge(w),
          healthBadge(w.health),
          h('span', { class: 'muted' }, 'id ', h('code', null, w.id)),
          h('span', { class: 'muted' }, 'created ', time(w.created_at)),
          h('span', { class: 'muted' }, 'updated ', time(w.updated_at)),
        ),
      );
    showSummary(webhook);

    const test = h('button', { type: 'button' }, 'Send test event');
    action(test, ctx, async () => {
      const result = await ctx.api.sendTest(webhook.id);
      ctx.notify(`Test event ${result.event_id} sent; it appears in the history once attempted.`);
      await waitForAttempt(ctx, webhook.id, result.event_id);
      await history.reload();
    });

    const remove = h('button', { type: 'button', class: 'danger' }, 'Delete webhook');
    let armed = false;
    action(remove, ctx, async () => {
      if (!armed) {
        armed = true;
        remove.textContent = 'Confirm delete';
        return;
      }
      await ctx.api.deleteWebhook(webhook.id);
      ctx.notify(`Deleted ${webhook.url}.`);
      ctx.go('#/');
    });

    element.append(
      summary,
      h('div', { class: 'actions' }, test, remove),
      history.element,
      recoverForm(ctx, webhook.id, history.reload),
      editForm(ctx, webhook, (w) => showSummary(w)),
      deliveryControlsForm(ctx, webhook, (w) => showSummary(w)),
      customHeadersForm(ctx, webhook, (w) => showSummary(w)),
      rotateSecretForm(ctx, webhook.id),
    );
    return history.reload();
  });
  return { element, ready };
}

function editForm(ctx: Ctx, webhook: Webhook, updated: (w: Webhook) => void): HTMLElement {
  const url = h('input', { id: uid('url'), type: 'url', required: true, value: webhook.url, spellcheck: 'false' });
  const status = h(
    'select',
    { id: uid('status') },
    h('option', { value: 'active', selected: webhook.status === 'active' }, 'active'),
    h('option', { value: 'disabled', selected: webhook.status === 'disabled' }, 'disabled'),
  );
  const picker = eventPicker(webhook.events);
  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'edit-title', novalidate: true },
    h('h2', { id: 'edit-title' }, 'Settings'),
    h('label', { for: url.id }, 'Endpoint URL'),
    url,
    h('label', { for: status.id }, 'Status'),
    status,
    picker.element,
    h('button', { type: 'submit' }, 'Save changes'),
  );
  onSubmit(form, ctx, async () => {
    const events = picker.value();
    if (!form.querySelector<HTMLInputElement>('fieldset input')!.checked && events.length === 0) {
      throw new Error('Pick at least one event, or All events.');
    }
    const result = await ctx.api.updateWebhook(webhook.id, { url: url.value.trim(), events, status: status.value as Webhook['status'] });
    updated(result);
    ctx.notify('Saved.');
  });
  return form;
}

/** The test event is delivered asynchronously: wait briefly for its first attempt before showing the history. */
async function waitForAttempt(ctx: Ctx, webhookId: string, eventId: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const page = await ctx.api.listDeliveries(webhookId, { eventId });
    if (page.items.length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}
