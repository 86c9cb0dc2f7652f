// A webhook's delivery history (SPEC §4): newest first, filtered by status and event id, paged.
// Each attempt shows its status, HTTP code, time, response time and error, and offers to send its
// event again (redeliver, SPEC §7).
import { h, time, uid } from '../dom.js';
import type { DeliveryAttempt } from '../types.js';
import { type Ctx, onSubmit } from '../ui.js';
import { redeliverButton } from './operations.js';

export type DeliveriesPanel = { element: HTMLElement; reload(): Promise<void> };

export function deliveriesPanel(ctx: Ctx, webhookId: string): DeliveriesPanel {
  const { filters, status, eventId } = historyFilters();
  const body = h('tbody');
  const empty = h('p', { class: 'muted', hidden: true }, 'No delivery attempts match.');
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
  const table = attemptsTable(body);
  let cursor: string | null = null;

  const load = async (next?: string) => {
    const page = await ctx.api.listDeliveries(webhookId, { status: status.value || undefined, eventId: eventId.value.trim() || undefined, cursor: next });
    if (!next) body.replaceChildren();
    page.items.forEach((a) => body.append(attemptRow(ctx, webhookId, a, () => reload())));
    cursor = page.nextCursor;
    more.hidden = cursor === null;
    empty.hidden = body.childElementCount > 0;
    table.hidden = body.childElementCount === 0;
  };
  const reload = () => load();
  onSubmit(filters, ctx, reload);
  more.addEventListener('click', () => {
    if (cursor) load(cursor).catch((e: unknown) => ctx.fail(e));
  });
  const refresh = h('button', { type: 'button', class: 'secondary' }, 'Refresh');
  refresh.addEventListener('click', () => reload().catch((e: unknown) => ctx.fail(e)));

  const element = h(
    'section',
    { class: 'card', 'aria-labelledby': 'history-title' },
    h('div', { class: 'section-head' }, h('h2', { id: 'history-title' }, 'Delivery history'), refresh),
    filters,
    h('div', { class: 'table-wrap' }, table),
    empty,
    more,
  );
  return { element, reload };
}

/** The status and event id filters, applied on submit. */
function historyFilters(): { filters: HTMLFormElement; status: HTMLSelectElement; eventId: HTMLInputElement } {
  const status = h('select', { id: uid('status') }, h('option', { value: '' }, 'any'), h('option', { value: 'succeeded' }, 'succeeded'), h('option', { value: 'failed' }, 'failed'));
  const eventId = h('input', { id: uid('event-id'), spellcheck: 'false', placeholder: 'event id (UUID)', size: 36 });
  const filters = h(
    'form',
    { class: 'filters', novalidate: true, 'aria-label': 'Filter deliveries' },
    h('label', { for: status.id }, 'Status'),
    status,
    h('label', { for: eventId.id }, 'Event id'),
    eventId,
    h('button', { type: 'submit' }, 'Apply'),
  );
  return { filters, status, eventId };
}

const COLUMNS = ['Time', 'Event', 'Attempt', 'Status', 'HTTP', 'Response time', 'Error', 'Next retry', ''];

function attemptsTable(body: HTMLTableSectionElement): HTMLTableElement {
  return h(
    'table',
    { class: 'deliveries', 'data-testid': 'deliveries' },
    h('caption', { class: 'visually-hidden' }, 'Delivery attempts, newest first'),
    h('thead', null, h('tr', null, COLUMNS.map((c) => h('th', { scope: 'col' }, c)))),
    body,
  );
}

const cell = (label: string, ...content: (Node | string | null)[]) => h('td', { 'data-label': label }, ...content);

/** One attempt; its Redeliver button calls `reload` once the event is queued again. */
function attemptRow(ctx: Ctx, webhookId: string, a: DeliveryAttempt, reload: () => Promise<void>): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-event-id': a.event_id, 'data-status': a.status },
    cell('Time', time(a.attempted_at) as Node),
    cell('Event', h('code', null, a.event_type), h('br'), h('small', { class: 'muted id' }, a.event_id)),
    cell('Attempt', String(a.attempt_number)),
    cell('Status', h('span', { class: `badge ${a.status}` }, a.status)),
    cell('HTTP', a.http_status === null ? '—' : String(a.http_status)),
    cell('Response time', a.response_time_ms === null ? '—' : `${a.response_time_ms} ms`),
    cell('Error', a.error ?? '—'),
    cell('Next retry', time(a.next_retry_at) as Node),
    cell('', redeliverButton(ctx, webhookId, a.event_id, reload)),
  );
}
