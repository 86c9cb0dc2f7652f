// The rules of SPEC §7's redeliver and recover routes, over the fan-out's queueing path
// (FanOut.requeue: the version rule is written there).
import * as z from 'zod';
import { type DeliveryJob, type StoredJob } from '../domain/delivery.js';
import { ApiError } from '../domain/errors.js';
import type { Webhook } from '../domain/webhook.js';
import type { WebhookService } from '../domain/webhook-service.js';
import type { DeliveryStore } from '../stores/delivery-store.js';
import type { EventStore } from '../stores/event-store.js';
import type { JobStore } from '../stores/job-store.js';
import { type FanOut, INLINE_DATA_MAX_BYTES } from './fan-out.js';
import { asciiJson } from '../domain/ascii-json.js';
import type { Clock } from '../domain/clock.js';

/** Reads and conditional writes of one redelivery before it gives up on a job that keeps changing. */
const REDELIVER_TRIES = 5;

/** SPEC §7: `since` at most this far back. */
export const RECOVER_MAX_AGE_DAYS = 14;

export type RedeliveryDeps = {
  webhooks: Pick<WebhookService, 'require'>;
  events: Pick<EventStore, 'get'>;
  jobs: Pick<JobStore, 'get' | 'listEnded'>;
  history: Pick<DeliveryStore, 'list'>;
  fanOut: Pick<FanOut, 'requeue'>;
  now?: Clock;
};

const eventIdSchema = z.uuid();
const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });

export const recoverBody = z.strictObject({ since: isoTime, until: isoTime.optional() });
export type RecoverInput = z.infer<typeof recoverBody>;

const eventNotFound = () => new ApiError('EVENT_NOT_FOUND', 'This webhook has no delivery of that event (or its history expired).');

async function activeWebhook(deps: RedeliveryDeps, partnerId: string, webhookId: string, what: string): Promise<Webhook> {
  const webhook = await deps.webhooks.require(partnerId, webhookId);
  if (webhook.status !== 'active') throw new ApiError('WEBHOOK_DISABLED', `This webhook is disabled; enable it to ${what}.`);
  return webhook;
}

/** One new attempt of the event to the webhook, now; `attempts` goes on from those already made. */
export async function redeliverEvent(
  deps: RedeliveryDeps,
  partnerId: string,
  webhookId: string,
  rawEventId: string,
): Promise<{ event_id: string; event_type: string }> {
  const webhook = await activeWebhook(deps, partnerId, webhookId, 'redeliver an event');
  const parsedId = eventIdSchema.safeParse(rawEventId);
  if (!parsedId.success) throw eventNotFound();
  const eventId = parsedId.data.toLowerCase();
  const event = await deps.events.get(partnerId, eventId);
  if (!event || !event.webhookIds.includes(webhook.id)) throw eventNotFound();
  const inline = Buffer.byteLength(asciiJson(event.data)) <= INLINE_DATA_MAX_BYTES;
  const requestedAt = (deps.now?.() ?? new Date()).getTime();
  // A concurrent writer (another redelivery, the job's own attempt) may change the job between the
  // read and the conditional write: read again and queue from its new state.
  for (let tries = 0; tries < REDELIVER_TRIES; tries++) {
    const stored = await deps.jobs.get(webhook.id, eventId);
    // Another redelivery queued the event after this request came in: that new attempt is the one
    // this request asks for (concurrent requests make one delivery or more, never a 500).
    if (tries > 0 && stored && Date.parse(stored.queuedAt) >= requestedAt) return { event_id: eventId, event_type: event.eventType };
    // No stored job: the first attempt succeeded (or has not run yet); the history says which.
    const attempts = stored?.attempts ?? (await deps.history.list(webhook.id, { limit: 10, eventId })).items.length;
    const job: Omit<DeliveryJob, 'version' | 'queuedAt'> = {
      partnerId,
      webhookId: webhook.id,
      eventId,
      eventType: event.eventType,
      environment: event.environment,
      eventCreatedAt: event.createdAt,
      ...(inline ? { data: event.data } : {}),
      attempts,
    };
    if ((await deps.fanOut.requeue([{ job, stored }])) === 1) return { event_id: eventId, event_type: event.eventType };
  }
  throw new Error(`redeliver: job ${webhook.id}/${eventId} kept changing while it was being re-queued`);
}

/** Every job of the webhook that ended failed or dropped in [since, until], re-queued once, oldest first. */
export async function recoverEvents(deps: RedeliveryDeps, partnerId: string, webhookId: string, input: RecoverInput): Promise<{ events: number }> {
  const now = deps.now?.() ?? new Date();
  const since = new Date(input.since);
  const until = input.until === undefined ? now : new Date(input.until);
  if (since.getTime() < now.getTime() - RECOVER_MAX_AGE_DAYS * 86_400_000) {
    throw new ApiError('VALIDATION_ERROR', `since must be at most ${RECOVER_MAX_AGE_DAYS} days ago.`, 'since');
  }
  if (since.getTime() > until.getTime()) throw new ApiError('VALIDATION_ERROR', 'since must not be after until.', 'since');
  const webhook = await activeWebhook(deps, partnerId, webhookId, 'recover its events');
  const jobIds = await deps.jobs.listEnded(webhook.id, since.toISOString(), until.toISOString());
  let queued = 0;
  // Page by page, each queued before the next is read: a window too large for one request
  // (API Gateway answers after 30 s) has re-queued its oldest part, and a second run goes on from there.
  for (let i = 0; i < jobIds.length; i += 25) {
    const entries: { job: Omit<DeliveryJob, 'version' | 'queuedAt'>; stored: StoredJob }[] = [];
    const found = await Promise.all(jobIds.slice(i, i + 25).map((id) => deps.jobs.get(webhook.id, id.slice(webhook.id.length + 1))));
    for (const stored of found) {
      // Re-read consistently: the index is eventually consistent, and a job re-queued since is not ended any more.
      if (!stored || (stored.status !== 'failed' && stored.status !== 'dropped')) continue;
      const { status: _s, nextAttemptAt: _n, parked: _p, leaseUntil: _l, messageId: _m, droppedReason: _d, createdAt: _c, updatedAt: _u, version: _v, queuedAt: _q, ...job } = stored;
      // The data travels by reference: the worker reads it from the event store (kept 30 days).
      entries.push({ job, stored });
    }
    queued += await deps.fanOut.requeue(entries);
  }
  return { events: queued };
}
