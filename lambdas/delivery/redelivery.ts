// The rules of SPEC §7's redeliver route, over the requested jobs' re-queue (RequestedJobs.requeue:
// the version rule is written there). Recover is in recover.ts.
import * as z from 'zod';
import { type DeliveryJob, inlineData, type StoredJob } from '../domain/delivery.js';
import { ApiError } from '../domain/errors.js';
import { requireActiveWebhook, type WebhookService } from '../domain/webhook-service.js';
import type { DeliveryStore } from '../stores/delivery-store.js';
import type { EventStore } from '../stores/event-store.js';
import type { JobStore } from '../stores/job-store.js';
import type { RequestedJobs } from './requested-jobs.js';

/** Reads and conditional writes of one redelivery before it gives up on a job that keeps changing. */
const REDELIVER_TRIES = 5;

export type RedeliveryDeps = {
  webhooks: Pick<WebhookService, 'require' | 'endpointBack'>;
  events: Pick<EventStore, 'get'>;
  jobs: Pick<JobStore, 'get'>;
  history: Pick<DeliveryStore, 'list'>;
  requestedJobs: Pick<RequestedJobs, 'requeue'>;
};

const eventIdSchema = z.uuid();
const eventNotFound = () => new ApiError('EVENT_NOT_FOUND', 'This webhook has no delivery of that event (or its history expired).');

/** One new attempt of the event to the webhook, now; `attempts` goes on from those already made. */
export async function redeliverEvent(
  deps: RedeliveryDeps,
  partnerId: string,
  webhookId: string,
  rawEventId: string,
): Promise<{ event_id: string; event_type: string }> {
  const webhook = await requireActiveWebhook(deps.webhooks, partnerId, webhookId, 'redeliver an event');
  const parsedId = eventIdSchema.safeParse(rawEventId);
  if (!parsedId.success) throw eventNotFound();
  const eventId = parsedId.data.toLowerCase();
  const event = await deps.events.get(partnerId, eventId);
  if (!event || !event.webhookIds.includes(webhook.id)) throw eventNotFound();
  const data = inlineData(event.data);
  await deps.webhooks.endpointBack(webhook.id); // SPEC §9: a partner action half-opens the circuit
  // A concurrent writer (another redelivery, the job's own attempt) may change the job between the
  // read and the conditional write: read again and queue from its new state.
  for (let tries = 0; tries < REDELIVER_TRIES; tries++) {
    const stored = await deps.jobs.get(webhook.id, eventId);
    // A redelivery's attempt that has not begun (its worker's claim, or any attempt's write, clears
    // `requeuedAt`): it will be made after this request came in, so it is the one this request asks
    // for. Concurrent requests make one delivery, plus one for those that came while it was being made.
    if (stored?.status === 'pending' && stored.requeuedAt !== undefined) return { event_id: eventId, event_type: event.eventType };
    // No stored job: the first attempt succeeded (or has not run yet); the history says which.
    const attempts = stored?.attempts ?? (await deps.history.list(webhook.id, { limit: 10, eventId })).items.length;
    const job: Omit<DeliveryJob, 'version' | 'queuedAt'> = {
      partnerId,
      webhookId: webhook.id,
      eventId,
      eventType: event.eventType,
      environment: event.environment,
      eventCreatedAt: event.createdAt,
      ...data,
      attempts,
    };
    // The fast lane: one event, asked for now.
    if ((await deps.requestedJobs.requeue([{ job, stored }], 'fast')) === 1) return { event_id: eventId, event_type: event.eventType };
  }
  throw new Error(`redeliver: job ${webhook.id}/${eventId} kept changing while it was being re-queued`);
}
