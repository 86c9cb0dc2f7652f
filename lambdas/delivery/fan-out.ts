// Fan-out: one delivery job per subscribed, active webhook of the event's partner, queued on the
// fast lane (or the slow lane, for an endpoint already served there: endpoint-lanes.ts). Never
// lose an accepted event (SPEC §4): the fan-out first claims the event's lease
// (stores/fan-out-lease-store.ts), then stores the event (a conditional put, the idempotency
// record per event_id), then queues its jobs, then releases the lease. An event is a duplicate
// only when it is stored and no lease is held, i.e. once all its jobs were queued. A fan-out that
// died in between (timeout, kill -9) or failed to queue leaves its lease behind: a retry of the
// event (EventBridge's, Lambda's, or the publisher's) claims it once it has run out and finishes
// the queueing to the webhooks the event was stored with, and the sweeper does the same for
// leases with no retry coming (finishAbandoned). Finishing re-queues every job of the event, so a
// webhook whose message went out before the crash may get a duplicate: at-least-once (SPEC §4).
//
// SPEC §11 per_entity ordering: for each webhook that keeps an entity's events in order, the job
// is put in its line (stores/ordered-job-store.ts) before its message is sent, keyed by when this
// fan-out accepted the event; the event item keeps those webhooks and that time, so a finisher
// puts the very same keys again. Publish order is the order the fan-out accepted the events.
import { v7 as uuidv7 } from 'uuid';
import { type DeliveryAttempt, type DeliveryJob, deliverMessage, inlineData, type Lane, nextStoredJob, unansweredAttempt } from '../domain/delivery.js';
import { isSubscribedTo, type EventType } from '../domain/event-types.js';
import type { PublishedEvent } from '../domain/published-event.js';
import type { Webhook } from '../domain/webhook.js';
import type { SendResult } from '../stores/delivery-queue.js';
import type { EventStore, StoredEvent } from '../stores/event-store.js';
import type { EventRef, FanOutLeases } from '../stores/fan-out-lease-store.js';
import { FAN_OUT_SHARDS } from '../stores/table-definitions.js';
import type { JobStore } from '../stores/job-store.js';
import { type Clock, clockOf } from '../domain/clock.js';
import { entityKeyFor, entityOf, seqKeyFor } from '../domain/ordering.js';
import type { OrderedJobs } from '../stores/ordered-job-store.js';

/**
 * `pending`: another fan-out of the same event holds its lease (still queueing, or died recently);
 * the event is stored, so that fan-out or the sweeper queues these jobs.
 */
export type FanOutResult = { matched: number; enqueued: number; duplicates: number; refused: number; pending?: number };

/** Another fan-out of this event holds it and has not stored it yet: retry later (the entry is not accepted). */
export class FanOutBusyError extends Error {
  constructor(ref: EventRef) {
    super(`event ${ref.eventId} of partner ${ref.partnerId} is being fanned out by another invocation; retry later`);
    this.name = 'FanOutBusyError';
  }
}

export type FinishResult = { finished: number; enqueued: number };

type FanOutEvent = Omit<PublishedEvent, 'eventType'> & { eventType: EventType };

export type FanOutDeps = {
  webhooks: { listAll(partnerId: string): Promise<Webhook[]> };
  events: Pick<EventStore, 'putIfAbsent' | 'get' | 'exists'>;
  leases: FanOutLeases;
  /** How long a fan-out holds its event's lease (FAN_OUT_LEASE_SECONDS): longer than any fan-out runs. */
  fanOutLeaseMs: number;
  queue: { send(lane: Lane, outgoing: { message: ReturnType<typeof deliverMessage> }[]): Promise<SendResult[]> };
  /** The lane serving each endpoint (endpoint-lanes.ts); absent: every job starts on the fast lane. */
  lanes?: { lanesOf(webhookIds: string[]): Promise<Map<string, Lane>> };
  /** Jobs the queue refuses end failed (and in the history). */
  jobs: Pick<JobStore, 'save'>;
  history: { record(attempts: DeliveryAttempt[]): Promise<void> };
  /** SPEC §11 per_entity ordering: the lines of ordered webhooks' jobs (absent: no webhook is ordered). */
  orderedJobs?: Pick<OrderedJobs, 'put' | 'remove'>;
  now?: Clock;
};

type Ordered = NonNullable<StoredEvent['ordered']>;

export class FanOut {
  /** The last acceptance time this instance gave (µs): two events accepted by one instance never share one. */
  private lastAcceptedMicros = 0;

  constructor(private readonly deps: FanOutDeps) {}

  /** Queues the event for each subscribed webhook; `fanOutId` identifies this invocation across its retries. */
  async fanOut(event: PublishedEvent, fanOutId: string): Promise<FanOutResult> {
    const targets = (await this.deps.webhooks.listAll(event.partnerId)).filter(
      (w) => w.status === 'active' && isSubscribedTo(w.events, event.eventType),
    );
    return this.store(event, targets, fanOutId);
  }

  private now(): Date {
    return clockOf(this.deps)();
  }

  private async store(event: FanOutEvent, targets: Webhook[], fanOutId: string): Promise<FanOutResult> {
    const ref = { partnerId: event.partnerId, eventId: event.eventId };
    const now = this.now().getTime();
    const claim = await this.deps.leases.claim(ref, fanOutId, now, now + this.deps.fanOutLeaseMs);
    if (!claim.claimed) {
      // Accepted only once it is stored: then its holder, or the sweeper after the lease, queues it.
      if (await this.deps.events.exists(event.partnerId, event.eventId)) {
        return { matched: targets.length, enqueued: 0, duplicates: 0, refused: 0, pending: targets.length };
      }
      throw new FanOutBusyError(ref);
    }
    try {
      const ordered = this.orderedTargets(event, targets, now);
      const stored = await this.deps.events.putIfAbsent({ ...event, webhookIds: targets.map((w) => w.id), fanOutId, ...(ordered ? { ordered } : {}) });
      let result: FanOutResult;
      if (stored.created) result = await this.enqueue(event, targets.map((w) => w.id), ordered);
      else if (claim.unfinished) result = await this.finish(ref);
      else result = { matched: targets.length, enqueued: 0, duplicates: targets.length, refused: 0 };
      await this.deps.leases.release(ref, fanOutId);
      return result;
    } catch (error) {
      // Let a retry take over at once rather than wait out the lease (the sweeper is the backstop).
      await this.deps.leases.expire(ref, fanOutId).catch(() => undefined);
      throw error;
    }
  }

  /** Queues an unfinished event again, to the webhooks it was stored with, with its stored data. */
  private async finish(ref: EventRef): Promise<FanOutResult> {
    const stored = await this.deps.events.get(ref.partnerId, ref.eventId);
    // Never stored: the fan-out that claimed it died first, and its publisher saw the failure.
    if (!stored) return { matched: 0, enqueued: 0, duplicates: 0, refused: 0 };
    return this.enqueue(storedAsEvent(stored), stored.webhookIds, stored.ordered);
  }

  /** The targets that keep this event's entity in order, and the event's acceptance time; undefined when none. */
  private orderedTargets(event: FanOutEvent, targets: Webhook[], nowMs: number): Ordered | undefined {
    if (!this.deps.orderedJobs || entityOf(event.eventType, event.data) === undefined) return undefined;
    const webhookIds = targets.filter((w) => w.ordering === 'per_entity').map((w) => w.id);
    if (webhookIds.length === 0) return undefined;
    this.lastAcceptedMicros = Math.max(nowMs * 1000, this.lastAcceptedMicros + 1);
    return { webhookIds, acceptedAtMicros: this.lastAcceptedMicros };
  }

  /**
   * The sweeper's part: finishes the events whose fan-out died between storing and queueing with
   * no retry coming (leases run out; or, where the host knows every earlier holder is dead, as the
   * local runtime does at start, leases claimed before `claimedBefore`).
   */
  async finishAbandoned(owner: string, claimedBefore = 0): Promise<FinishResult> {
    const total: FinishResult = { finished: 0, enqueued: 0 };
    await Promise.all(
      Array.from({ length: FAN_OUT_SHARDS }, async (_, shard) => {
        const now = this.now().getTime();
        for (const lease of await this.deps.leases.listAbandoned(String(shard), now, claimedBefore)) {
          const ref = { partnerId: lease.partnerId, eventId: lease.eventId };
          // Claimed first, so two sweepers (or a sweeper and a retry) never both finish it.
          const claim = await this.claimAbandoned(ref, lease, owner, now);
          if (!claim) continue;
          try {
            const result = await this.finish(ref);
            await this.deps.leases.release(ref, owner);
            total.finished++;
            total.enqueued += result.enqueued;
          } catch (error) {
            await this.deps.leases.expire(ref, owner).catch(() => undefined);
            throw error;
          }
        }
      }),
    );
    return total;
  }

  private async claimAbandoned(ref: EventRef, lease: { leaseUntil: number; claimedAt: number }, owner: string, now: number): Promise<boolean> {
    // A lease found by `claimedBefore` may not have run out: take it over as of its end.
    const asOf = Math.max(now, lease.leaseUntil);
    const claim = await this.deps.leases.claim(ref, owner, asOf, now + this.deps.fanOutLeaseMs);
    return claim.claimed;
  }

  private async enqueue(event: FanOutEvent, webhookIds: string[], ordered: Ordered | undefined): Promise<FanOutResult> {
    const queuedAt = this.now().toISOString();
    const data = inlineData(event.data);
    const entity = entityOf(event.eventType, event.data);
    const orderOf = (webhookId: string): DeliveryJob['order'] =>
      ordered && entity !== undefined && ordered.webhookIds.includes(webhookId)
        ? { entityKey: entityKeyFor(webhookId, entity), seqKey: seqKeyFor(ordered.acceptedAtMicros, event.eventId) }
        : undefined;
    const jobs: DeliveryJob[] = webhookIds.map((webhookId) => ({
      partnerId: event.partnerId,
      webhookId,
      eventId: event.eventId,
      eventType: event.eventType,
      environment: event.environment,
      eventCreatedAt: event.createdAt,
      queuedAt,
      ...data,
      attempts: 0,
      version: 0,
      ...(orderOf(webhookId) ? { order: orderOf(webhookId) } : {}),
    }));
    // In its line before its message exists, so a worker never finds a job of its line missing from it.
    const inLine = jobs.flatMap((job) => (job.order ? [{ ...job.order, webhookId: job.webhookId, eventId: job.eventId }] : []));
    if (inLine.length > 0) await this.deps.orderedJobs!.put(inLine, this.now());
    const results = await this.send(jobs);
    const refused = jobs.flatMap((job, i) => {
      const result = results[i]!;
      return result.ok ? [] : [{ job, reason: result.reason }];
    });
    await this.recordRefused(refused);
    return { matched: webhookIds.length, enqueued: jobs.length - refused.length, duplicates: 0, refused: refused.length };
  }

  /**
   * Each job on the lane serving its endpoint: the fast lane, or the slow lane for an endpoint
   * already known slow (its worker would only move it there). The results in the jobs' order.
   */
  private async send(jobs: DeliveryJob[]): Promise<SendResult[]> {
    const lanes = (await this.deps.lanes?.lanesOf(jobs.map((job) => job.webhookId))) ?? new Map<string, Lane>();
    const results: SendResult[] = new Array(jobs.length);
    await Promise.all(
      (['fast', 'slow'] as const).map(async (lane) => {
        const indexes = jobs.flatMap((job, i) => ((lanes.get(job.webhookId) ?? 'fast') === lane ? [i] : []));
        if (indexes.length === 0) return;
        const sent = await this.deps.queue.send(lane, indexes.map((i) => ({ message: deliverMessage(jobs[i]!) })));
        indexes.forEach((jobIndex, k) => (results[jobIndex] = sent[k]!));
      }),
    );
    return results;
  }

  /** A job the queue can never take ends as a failed attempt with the reason, never as "accepted". */
  private async recordRefused(refused: { job: DeliveryJob; reason: string }[]): Promise<void> {
    if (refused.length === 0) return;
    const now = this.now();
    await this.deps.history.record(
      refused.map(({ job, reason }) => unansweredAttempt(job, { id: uuidv7(), attemptNumber: 1, attemptedAt: now.toISOString(), nextRetryAt: null, error: reason })),
    );
    await Promise.all(
      refused.map(({ job }) => this.deps.jobs.save(nextStoredJob(job, { status: 'failed', attempts: 1, nextAttemptAt: now.getTime(), parked: false }, 1, now), 0)),
    );
    // Ended: its line goes on.
    await Promise.all(refused.flatMap(({ job }) => (job.order ? [this.deps.orderedJobs!.remove(job.order.entityKey, job.order.seqKey)] : [])));
  }
}

const storedAsEvent = (stored: StoredEvent): FanOutEvent => ({
  eventId: stored.eventId,
  eventType: stored.eventType,
  partnerId: stored.partnerId,
  data: stored.data,
  environment: stored.environment,
  createdAt: stored.createdAt,
});
