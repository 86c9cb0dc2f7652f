// The operations of SPEC §7, each a self-contained piece of the webhook screen: redeliver one
// event, recover failures since a time, rotate the signing secret (the new one shown once).
import { h, replaceChildren, uid } from '../dom.js';
import { action, type Ctx, onSubmit, secretOnce } from '../ui.js';

export function redeliverButton(ctx: Ctx, webhookId: string, eventId: string, after: () => Promise<void>): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'secondary small', 'aria-label': `Redeliver event ${eventId}` }, 'Redeliver');
  action(button, ctx, async () => {
    const result = await ctx.api.redeliver(webhookId, eventId);
    ctx.notify(`Event ${result.event_id} (${result.event_type}) queued for redelivery.`);
    await after();
  });
  return button;
}

/** `datetime-local` value (local time) → ISO 8601 UTC. */
const toIso = (local: string) => new Date(local).toISOString();
const localValue = (date: Date) => new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

export function recoverForm(ctx: Ctx, webhookId: string, after: () => Promise<void>): HTMLElement {
  const since = h('input', { id: uid('since'), type: 'datetime-local', required: true, value: localValue(new Date(Date.now() - 24 * 3600_000)) });
  const until = h('input', { id: uid('until'), type: 'datetime-local' });
  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'recover-title', novalidate: true },
    h('h2', { id: 'recover-title' }, 'Recover failed deliveries'),
    h('p', { class: 'muted' }, 'Delivers again, oldest first, every event that failed for good (or was dropped while disabled) in the window. At most 14 days back.'),
    h('label', { for: since.id }, 'Since'),
    since,
    h('label', { for: until.id }, 'Until (optional)'),
    until,
    h('button', { type: 'submit' }, 'Recover'),
  );
  onSubmit(form, ctx, async () => {
    const result = await ctx.api.recover(webhookId, { since: toIso(since.value), ...(until.value ? { until: toIso(until.value) } : {}) });
    ctx.notify(`${result.events} event${result.events === 1 ? '' : 's'} queued for redelivery.`);
    await after();
  });
  return form;
}

export function rotateSecretForm(ctx: Ctx, webhookId: string): HTMLElement {
  const expiry = h(
    'select',
    { id: uid('expire') },
    h('option', { value: '86400' }, 'in 24 hours'),
    h('option', { value: '3600' }, 'in 1 hour'),
    h('option', { value: '0' }, 'now'),
  );
  const shown = h('div');
  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'rotate-title', novalidate: true },
    h('h2', { id: 'rotate-title' }, 'Rotate signing secret'),
    h('p', { class: 'muted' }, 'Deliveries are signed with both secrets until the previous one expires.'),
    h('label', { for: expiry.id }, 'Previous secret expires'),
    expiry,
    h('button', { type: 'submit' }, 'Rotate secret'),
    shown,
  );
  onSubmit(form, ctx, async () => {
    const result = await ctx.api.rotateSecret(webhookId, Number(expiry.value));
    const box = secretOnce(
      'New signing secret: copy it now',
      result.secret,
      `This is the only time it is shown. The previous secret stays valid until ${result.previous_secret_expires_at}.`,
      () => form.querySelector<HTMLButtonElement>('button[type=submit]')?.focus(),
    );
    replaceChildren(shown, box);
    box.querySelector<HTMLElement>('h3')?.focus();
  });
  return form;
}
