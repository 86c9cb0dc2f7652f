// Fan-out: one delivery job per subscribed, active webhook of the event's partner. Jobs are
// written to DynamoDB first (conditional put = idempotent per event and webhook), then queued;
// a crash between the two leaves a pending job that the sweeper re-queues.
import { type DeliveryJob, jobIdFor } from '../domain/delivery.js';
import { isSubscribedTo, TEST_EVENT_TYPE, type EventType } from '../domain/event-types.js';
import type { Environment, PublishedEvent } from '../domain/published-event.js';
import type { Webhook } from '../domain/webhook.js';
import type { DeliveryQueue } from '../stores/delivery-queue.js';
import type { JobStore } from '../stores/job-store.js';
import type { WebhookStore } from '../stores/webhook-store.js';

export type FanOutResult = { matched: number; enqueued: number; duplicates: number };

type JobEvent = {
  eventId: string;
  eventType: EventType;
  partnerId: string;
  data: Record<string, unknown>;
  environment: Environment;
  createdAt: string;
};

export class FanOut {
  constructor(
    private readonly deps: { webhooks: WebhookStore; jobs: JobStore; queue: DeliveryQueue; now?: () => Date },
  ) {}

  async publish(event: PublishedEvent): Promise<FanOutResult> {
    const targets = (await this.deps.webhooks.listAll(event.partnerId)).filter(
      (w) => w.status === 'active' && isSubscribedTo(w.events, event.eventType),
    );
    return this.schedule(event, targets);
  }

  /** The test route's path: one webhook.test job for one webhook. */
  async sendTest(webhook: Webhook, eventId: string, environment: Environment): Promise<FanOutResult> {
    const now = (this.deps.now?.() ?? new Date()).toISOString();
    return this.schedule(
      {
        eventId,
        eventType: TEST_EVENT_TYPE,
        partnerId: webhook.partnerId,
        data: { webhook_id: webhook.id, message: 'This is a test event from Buildmarkets Webhooks.' },
        environment,
        createdAt: now,
      },
      [webhook],
    );
  }

  private async schedule(event: JobEvent, targets: Webhook[]): Promise<FanOutResult> {
    const now = this.deps.now?.() ?? new Date();
    const created = await Promise.all(
      targets.map((webhook) => {
        const job: DeliveryJob = {
          jobId: jobIdFor(webhook.id, event.eventId),
          partnerId: event.partnerId,
          webhookId: webhook.id,
          eventId: event.eventId,
          eventType: event.eventType,
          data: event.data,
          environment: event.environment,
          eventCreatedAt: event.createdAt,
          createdAt: now.toISOString(),
          attempts: 0,
          status: 'pending',
          nextAttemptAt: now.getTime(),
        };
        return this.deps.jobs.createIfAbsent(job).then((isNew) => (isNew ? job : undefined));
      }),
    );
    const fresh = created.filter((job) => job !== undefined);
    await this.deps.queue.enqueue(fresh.map((job) => ({ job })));
    return { matched: targets.length, enqueued: fresh.length, duplicates: targets.length - fresh.length };
  }
}
