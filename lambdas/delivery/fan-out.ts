// Fan-out: one delivery job per subscribed, active webhook of the event's partner, queued on the
// fast lane. The event is stored first (a conditional put, the idempotency record per event_id);
// only then are its jobs queued, so a crash in between is repaired by the same invocation's retry
// (same `fanOutId`: EventBridge retries a target with the event's own id), while a publisher
// sending the same event_id again is a duplicate and queues nothing.
import { v7 as uuidv7 } from 'uuid';
import { type DeliveryAttempt, type DeliveryJob, deliverMessage, type Lane, type StoredJob } from '../domain/delivery.js';
import type { Environment } from '../domain/environments.js';
import { isSubscribedTo, TEST_EVENT_TYPE, type EventType } from '../domain/event-types.js';
import type { PublishedEvent } from '../domain/published-event.js';
import type { Webhook } from '../domain/webhook.js';
import type { SendResult } from '../stores/delivery-queue.js';
import type { EventStore } from '../stores/event-store.js';
import type { JobStore } from '../stores/job-store.js';
import { asciiJson } from '../domain/ascii-json.js';
import { type Clock, systemClock } from '../domain/clock.js';

export type FanOutResult = { matched: number; enqueued: number; duplicates: number; refused: number };

type FanOutEvent = Omit<PublishedEvent, 'eventType'> & { eventType: EventType };

/** Larger events travel by reference (the worker reads the event store); SQS bills each 64 KB as a request. */
export const INLINE_DATA_MAX_BYTES = 60 * 1024;

export type FanOutDeps = {
  webhooks: { listAll(partnerId: string): Promise<Webhook[]> };
  events: Pick<EventStore, 'putIfAbsent' | 'deleteIfStoredBy'>;
  queue: { send(lane: Lane, outgoing: { message: ReturnType<typeof deliverMessage> }[]): Promise<SendResult[]> };
  jobs: Pick<JobStore, 'save' | 'endLease'>;
  history: { record(attempts: DeliveryAttempt[]): Promise<void> };
  /** How long a redelivered job's message has it before the sweeper sends it again (SWEEP_LEASE_SECONDS). */
  requeueLeaseMs: number;
  now?: Clock;
};

/** Jobs written (in parallel) and then queued together by a redelivery. */
const REQUEUE_CHUNK = 25;

export class FanOut {
  constructor(private readonly deps: FanOutDeps) {}

  /** Queues the event for each subscribed webhook; `fanOutId` identifies this invocation across its retries. */
  async fanOut(event: PublishedEvent, fanOutId: string): Promise<FanOutResult> {
    const targets = (await this.deps.webhooks.listAll(event.partnerId)).filter(
      (w) => w.status === 'active' && isSubscribedTo(w.events, event.eventType),
    );
    return this.store(event, targets, fanOutId);
  }

  /** The test route's path: one webhook.test job for one webhook. */
  async sendTest(webhook: Webhook, eventId: string, environment: Environment): Promise<FanOutResult> {
    const event: FanOutEvent = {
      eventId,
      eventType: TEST_EVENT_TYPE,
      partnerId: webhook.partnerId,
      data: { webhook_id: webhook.id, message: 'This is a test event from Buildmarkets Webhooks.' },
      environment,
      createdAt: this.now().toISOString(),
    };
    // Asked for by the partner (SPEC §9): its job is marked, so an open circuit never swallows it.
    await this.deps.events.putIfAbsent({ ...event, webhookIds: [webhook.id], fanOutId: eventId });
    const job: DeliveryJob = {
      partnerId: event.partnerId,
      webhookId: webhook.id,
      eventId,
      eventType: event.eventType,
      environment,
      eventCreatedAt: event.createdAt,
      queuedAt: event.createdAt,
      data: event.data,
      attempts: 0,
      version: 0,
      requested: true,
    };
    const [result] = await this.deps.queue.send('fast', [{ message: deliverMessage(job) }]);
    if (!result?.ok) throw new Error(`the queue refused a test event: ${result && !result.ok ? result.reason : 'no answer'}`);
    return { matched: 1, enqueued: 1, duplicates: 0, refused: 0 };
  }

  /**
   * SPEC §7 redeliver and recover: one new delivery of a known event to a webhook per entry, on
   * `lane` (in order: oldest first when the caller sorted them). Returns how many were queued.
   *
   * The version rule: the job is written as the next version of its stored job (version 1 when
   * none is stored) — pending, not parked, no message id, `attempts` = the attempts already made
   * (so the history shows the next attempt_number) — and the message carries that version. The
   * worker takes a message of a stored job only at the job's version (or as the job's waiting
   * message, whose id is now unset), so whatever was still in flight for the job (a retry waiting
   * in the queue, a parked wait the sweeper would lease) is stale from then on. Each write is
   * conditional on the version read; an entry another writer changed first is skipped, and a
   * job already moved to pending is no longer among the ended jobs, so a second recover finds nothing.
   *
   * Each job is written leased (`leaseUntil`, in the sweeper's due index) before its message is
   * sent, and each chunk is sent as soon as it is written: if this function stops between the two
   * (a timeout, a crash, a failed send), the sweeper sends the job again when the lease runs out —
   * a job is never left pending with no message. Once sent, the lease ends (the job leaves the
   * index), so a message that waits long in a backlog is not sent a second time.
   */
  async requeue(entries: { job: Omit<DeliveryJob, 'version' | 'queuedAt'>; stored: StoredJob | undefined }[], lane: Lane): Promise<number> {
    const now = this.now().toISOString();
    const leaseUntil = Date.parse(now) + this.deps.requeueLeaseMs;
    let queued = 0;
    for (let i = 0; i < entries.length; i += REQUEUE_CHUNK) {
      const chunk = entries.slice(i, i + REQUEUE_CHUNK).map(({ job, stored }) => {
        const version = (stored?.version ?? 0) + 1;
        const next: StoredJob = {
          ...job,
          requested: true, // asked for by the partner (SPEC §9): an open circuit never swallows it
          queuedAt: now,
          version,
          status: 'pending',
          nextAttemptAt: Date.parse(now),
          parked: false,
          leaseUntil,
          requeuedAt: now,
          createdAt: stored?.createdAt ?? now,
          updatedAt: now,
        };
        delete next.data; // the jobs table never holds the data (the message or the event store does)
        const queued: DeliveryJob = { ...job, requested: true, queuedAt: now, version };
        return this.deps.jobs.save(next, stored?.version ?? 0).then((ok) => (ok ? queued : undefined));
      });
      const saved = (await Promise.all(chunk)).filter((j): j is DeliveryJob => j !== undefined);
      if (saved.length === 0) continue;
      const results = await this.deps.queue.send(lane, saved.map((job) => ({ message: deliverMessage(job) })));
      const refused = results.find((r) => !r.ok);
      // Only a message over SQS's size limit is refused, and requeued data over INLINE_DATA_MAX_BYTES travels by reference.
      if (refused && !refused.ok) throw new Error(`the queue refused a redelivery: ${refused.reason}`);
      await Promise.all(saved.map((job) => this.deps.jobs.endLease(job.webhookId, job.eventId, job.version)));
      queued += saved.length;
    }
    return queued;
  }

  private now(): Date {
    return (this.deps.now ?? systemClock)();
  }

  private async store(event: FanOutEvent, targets: Webhook[], fanOutId: string): Promise<FanOutResult> {
    const stored = await this.deps.events.putIfAbsent({ ...event, webhookIds: targets.map((w) => w.id), fanOutId });
    if (!stored.created) {
      if (stored.existing.fanOutId !== fanOutId) return { matched: targets.length, enqueued: 0, duplicates: targets.length, refused: 0 };
      // This invocation again, after a failure: queue again what it stored (a duplicate at worst).
      targets = targets.filter((w) => stored.existing.webhookIds.includes(w.id));
    }
    try {
      return await this.enqueue(event, targets);
    } catch (error) {
      // Nothing may be half-done for a publisher's retry (a new fan-out id) to find as a duplicate.
      await this.deps.events.deleteIfStoredBy(event.partnerId, event.eventId, fanOutId);
      throw error;
    }
  }

  private async enqueue(event: FanOutEvent, targets: Webhook[]): Promise<FanOutResult> {
    const queuedAt = this.now().toISOString();
    const inline = Buffer.byteLength(asciiJson(event.data)) <= INLINE_DATA_MAX_BYTES;
    const jobs: DeliveryJob[] = targets.map((webhook) => ({
      partnerId: event.partnerId,
      webhookId: webhook.id,
      eventId: event.eventId,
      eventType: event.eventType,
      environment: event.environment,
      eventCreatedAt: event.createdAt,
      queuedAt,
      ...(inline ? { data: event.data } : {}),
      attempts: 0,
      version: 0,
    }));
    const results = await this.deps.queue.send('fast', jobs.map((job) => ({ message: deliverMessage(job) })));
    const refused = jobs.flatMap((job, i) => {
      const result = results[i]!;
      return result.ok ? [] : [{ job, reason: result.reason }];
    });
    await this.recordRefused(refused);
    return { matched: targets.length, enqueued: jobs.length - refused.length, duplicates: 0, refused: refused.length };
  }

  /** A job the queue can never take ends as a failed attempt with the reason, never as "accepted". */
  private async recordRefused(refused: { job: DeliveryJob; reason: string }[]): Promise<void> {
    if (refused.length === 0) return;
    const now = this.now();
    await this.deps.history.record(
      refused.map(({ job, reason }) => ({
        id: uuidv7(),
        webhookId: job.webhookId,
        eventId: job.eventId,
        eventType: job.eventType,
        status: 'failed',
        httpStatus: null,
        responseTimeMs: null,
        attemptNumber: 1,
        attemptedAt: now.toISOString(),
        nextRetryAt: null,
        error: reason,
      })),
    );
    await Promise.all(
      refused.map(({ job }) => {
        const failed: StoredJob = {
          ...job,
          attempts: 1,
          version: 1,
          status: 'failed',
          nextAttemptAt: now.getTime(),
          parked: false,
          createdAt: now.toISOString(),
          updatedAt: now.toISOString(),
        };
        return this.deps.jobs.save(failed, 0);
      }),
    );
  }
}
