// In-memory stand-ins for the delivery path's stores and queue, for unit tests of the domain
// classes (DeliveryWorker, FanOut, Sweeper, recover, redelivery). Each is held to its store's
// contract: test/contract/<store>.test.ts runs the same cases on the store and on the fake.
import type { DeliveryAttempt, DeliveryJob, Lane, QueueMessage, StoredJob } from '../../lambdas/domain/delivery.js';
import { encodeQueueMessage, jobIdFor, jobIdOf, jobOf } from '../../lambdas/domain/delivery.js';
import type { Webhook } from '../../lambdas/domain/webhook.js';
import type { PublishedEvent } from '../../lambdas/domain/published-event.js';
import { MAX_BATCH_BYTES, type SendResult } from '../../lambdas/stores/delivery-queue.js';
import type { StoredEvent } from '../../lambdas/stores/event-store.js';
import { type Claim, type EventRef, type FanOutLease, type FanOutLeases, fanOutShardOf } from '../../lambdas/stores/fan-out-lease-store.js';
import { dueShardOf, type DueJob, type EndedKey } from '../../lambdas/stores/job-store.js';
import { type EndpointHealth, healthyEndpoint } from '../../lambdas/domain/endpoint-health.js';
import { changeHealth, type HealthChange } from '../../lambdas/stores/endpoint-store.js';
import type { OrderedJob, OrderedJobs } from '../../lambdas/stores/ordered-job-store.js';

/**
 * JobStore's contract in memory (test/contract/job-store.test.ts runs the same cases on both). A
 * job reads back as the store keeps it (asStored); the due index holds pending jobs that are
 * parked (by their next attempt, or by the sweeper's lease) or leased; the ended index failed and
 * dropped jobs by `updatedAt`.
 */
export class FakeJobs {
  /** The jobs as stored (tests may set one directly: it is then read back as set). */
  readonly items = new Map<string, StoredJob>();
  /**
   * The sweeper's leases of parked jobs: the store moves only such a job's due time (`due_at`),
   * which a StoredJob does not carry; each holds for the version the lease wrote.
   */
  private readonly sweeperLeases = new Map<string, { version: number; dueAt: number }>();

  async get(webhookId: string, eventId: string) {
    const job = this.items.get(jobIdFor(webhookId, eventId));
    return job && structuredClone(job);
  }
  async save(job: StoredJob, expectedVersion: number) {
    const current = this.items.get(jobIdOf(job));
    if (expectedVersion === 0 ? current : current?.version !== expectedVersion) return false;
    this.items.set(jobIdOf(job), asStored(job));
    this.sweeperLeases.delete(jobIdOf(job));
    return true;
  }
  async endLease(webhookId: string, eventId: string, version: number) {
    const job = this.items.get(jobIdFor(webhookId, eventId));
    if (!job || job.version !== version || job.parked) return;
    const { leaseUntil: _ended, ...rest } = job;
    this.items.set(jobIdFor(webhookId, eventId), rest);
  }
  /** Due jobs of one shard, oldest first (then by job id). */
  async listDue(shard: string, dueBefore: number, limit: number): Promise<DueJob[]> {
    return [...this.items.keys()]
      .filter((jobId) => dueShardOf(jobId) === shard)
      .map((jobId) => ({ jobId, dueAt: this.dueAt(jobId) }))
      .filter((d): d is DueJob => d.dueAt !== undefined && d.dueAt <= dueBefore)
      .sort((a, b) => a.dueAt - b.dueAt || (a.jobId < b.jobId ? -1 : 1))
      .slice(0, limit);
  }
  async lease(due: DueJob, leaseUntil: number, now: Date) {
    const job = this.items.get(due.jobId);
    if (!job || job.status !== 'pending' || this.dueAt(due.jobId) !== due.dueAt) return undefined;
    const leased: StoredJob = { ...job, ...(job.parked ? {} : { leaseUntil }), version: job.version + 1, updatedAt: now.toISOString() };
    this.items.set(due.jobId, leased);
    if (job.parked) this.sweeperLeases.set(due.jobId, { version: leased.version, dueAt: leaseUntil });
    return structuredClone(leased);
  }
  /** One page of the ended index; `last` whenever the page is full (as DynamoDB's LastEvaluatedKey). */
  async listEnded(webhookId: string, from: string, to: string, page: { limit: number; after?: EndedKey }) {
    const items = this.ended(webhookId, from, to, page.after).slice(0, page.limit);
    const lastItem = items.at(-1);
    return { jobIds: items.map(([id]) => id), ...(items.length === page.limit && lastItem ? { last: { endedAt: lastItem[1].updatedAt, jobId: lastItem[0] } } : {}) };
  }
  async countEnded(webhookId: string, from: string, to: string, after?: EndedKey) {
    return this.ended(webhookId, from, to, after).length;
  }

  /** Where the job sits in the due index (as job-store.ts writes it), if it does. */
  private dueAt(jobId: string): number | undefined {
    const job = this.items.get(jobId);
    if (!job || job.status !== 'pending') return undefined;
    if (!job.parked) return job.leaseUntil;
    const lease = this.sweeperLeases.get(jobId);
    return lease?.version === job.version ? lease.dueAt : job.nextAttemptAt;
  }
  /** The ended index as job-store.ts queries it: failed and dropped jobs by end time, then job id. */
  private ended(webhookId: string, from: string, to: string, after?: EndedKey) {
    const key = (id: string, j: StoredJob) => `${j.updatedAt}\u0000${id}`;
    const start = after ? `${after.endedAt}\u0000${after.jobId}` : '';
    return [...this.items.entries()]
      .filter(([, j]) => j.webhookId === webhookId && (j.status === 'failed' || j.status === 'dropped') && j.updatedAt >= from && j.updatedAt <= to)
      .sort(([a, ja], [b, jb]) => key(a, ja).localeCompare(key(b, jb)))
      .filter(([id, j]) => key(id, j) > start);
  }
}

/**
 * A job as JobStore reads it back: its data and slot are not stored (the data stays in the event
 * store, the slot travels in the message); parked only while pending; a lease only on a pending job
 * in the queue (a parked one is due at its next attempt).
 */
function asStored(job: StoredJob): StoredJob {
  const { data: _data, slotAt: _slot, ...carried } = jobOf(job);
  const pending = job.status === 'pending';
  return {
    ...carried,
    status: job.status,
    nextAttemptAt: job.nextAttemptAt,
    parked: job.parked && pending,
    ...(!job.parked && pending && job.leaseUntil !== undefined ? { leaseUntil: job.leaseUntil } : {}),
    ...(job.messageId ? { messageId: job.messageId } : {}),
    ...(job.droppedReason ? { droppedReason: job.droppedReason } : {}),
    ...(job.requeuedAt ? { requeuedAt: job.requeuedAt } : {}),
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
  };
}

/** EventStore's contract in memory (test/contract/event-store.test.ts runs the same cases on both): the first event per id kept, as a copy. */
export class FakeEvents {
  /** The events as stored (a test may set one directly). */
  readonly items = new Map<string, StoredEvent>();
  async putIfAbsent(event: StoredEvent) {
    const key = `${event.partnerId}/${event.eventId}`;
    const existing = this.items.get(key);
    if (existing) return { created: false as const, existing: { fanOutId: existing.fanOutId, webhookIds: [...existing.webhookIds] } };
    // The store keeps the data as JSON text.
    this.items.set(key, { ...structuredClone(event), data: JSON.parse(JSON.stringify(event.data)) as Record<string, unknown> });
    return { created: true as const };
  }
  async exists(partnerId: string, eventId: string) {
    return this.items.has(`${partnerId}/${eventId}`);
  }
  async get(partnerId: string, eventId: string) {
    const event = this.items.get(`${partnerId}/${eventId}`);
    return event && structuredClone(event);
  }
}

/** FanOutLeaseStore's contract in memory (test/contract/fan-out-leases.test.ts runs the same cases on both). */
export class FakeFanOutLeases implements FanOutLeases {
  readonly items = new Map<string, FanOutLease>();
  async claim(ref: EventRef, owner: string, now: number, leaseUntil: number): Promise<Claim> {
    const key = `${ref.partnerId}/${ref.eventId}`;
    const held = this.items.get(key);
    if (held && held.leaseUntil > now && held.owner !== owner) return { claimed: false };
    this.items.set(key, { ...ref, owner, leaseUntil, claimedAt: now });
    return { claimed: true, unfinished: held !== undefined };
  }
  async release(ref: EventRef, owner: string) {
    const key = `${ref.partnerId}/${ref.eventId}`;
    if (this.items.get(key)?.owner === owner) this.items.delete(key);
  }
  async expire(ref: EventRef, owner: string) {
    const held = this.items.get(`${ref.partnerId}/${ref.eventId}`);
    if (held?.owner === owner) held.leaseUntil = 0;
  }
  async listAbandoned(shard: string, now: number, claimedBefore = 0, limit = 100) {
    return [...this.items.entries()]
      .filter(([key, l]) => fanOutShardOf(key) === shard && (l.leaseUntil <= now || l.claimedAt < claimedBefore))
      .map(([, l]) => ({ ...l }))
      .slice(0, limit);
  }
}

/**
 * DeliveryStore's writes in memory (test/contract/delivery-store.test.ts runs the same cases on
 * both): one attempt per webhook and attempt id, the last write kept; a call of BatchWriteItem
 * (25 items) naming one attempt twice is refused, as DynamoDB refuses it.
 */
export class FakeHistory {
  private readonly stored = new Map<string, DeliveryAttempt>();
  /** The next record() throws (a failed BatchWriteItem). */
  failNext = false;
  /** Every attempt stored, in the order first written. */
  get attempts(): DeliveryAttempt[] {
    return [...this.stored.values()];
  }
  async record(attempts: DeliveryAttempt[]) {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('BatchWriteItem failed');
    }
    for (let i = 0; i < attempts.length; i += 25) {
      const call = attempts.slice(i, i + 25);
      const keys = new Set(call.map((a) => `${a.webhookId}/${a.id}`));
      if (keys.size < call.length) throw Object.assign(new Error('Provided list of item keys contains duplicates'), { name: 'ValidationException' });
      for (const a of call) this.stored.set(`${a.webhookId}/${a.id}`, { ...a });
    }
  }
}

/**
 * DeliveryQueue's sends in memory (test/contract/delivery-queue.test.ts runs the same cases on
 * both): one message per entry, as its body travels (a copy); a message over SQS's 1 MiB refused
 * for good. Not modelled: delays (an entry's delaySeconds is not kept) and receiving.
 */
export class FakeQueue {
  readonly sent: { lane: Lane; message: QueueMessage }[] = [];
  /** Entries whose job's event id is listed here are refused for good. */
  readonly refuse = new Set<string>();
  failCalls = 0;
  async send(lane: Lane, outgoing: { message: QueueMessage }[]): Promise<SendResult[]> {
    if (this.failCalls > 0) {
      this.failCalls--;
      throw new Error('SQS unavailable');
    }
    return outgoing.map(({ message }) => {
      const body = encodeQueueMessage(message);
      if (Buffer.byteLength(body) > MAX_BATCH_BYTES) return { ok: false, reason: 'message_too_large' };
      if (message.kind === 'deliver' && this.refuse.has(message.job.event_id)) return { ok: false, reason: 'queue_refused:InvalidMessageContents' };
      this.sent.push({ lane, message: JSON.parse(body) as QueueMessage });
      return { ok: true };
    });
  }
}

/** An order.filled event of partner p1 about order o1, as the fan-out receives it. */
export const publishedEventFixture = (overrides: Partial<PublishedEvent> = {}): PublishedEvent => ({
  eventId: 'e1',
  eventType: 'order.filled',
  partnerId: 'p1',
  data: { order_id: 'o1' },
  environment: 'sandbox',
  createdAt: '2026-06-01T00:00:00.000Z',
  ...overrides,
});

export const webhookFixture = (id: string, overrides: Partial<Webhook> = {}): Webhook => ({
  id,
  partnerId: 'p1',
  url: `https://example.com/${id}`,
  events: [],
  status: 'active',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  activeSince: '2026-01-01T00:00:00.000Z',
  secretCiphertext: 'cipher',
  ...overrides,
});

export const jobFixture = (overrides: Partial<DeliveryJob> = {}): DeliveryJob => ({
  partnerId: 'p1',
  webhookId: 'w1',
  eventId: 'e1',
  eventType: 'order.filled',
  environment: 'sandbox',
  eventCreatedAt: '2026-06-01T00:00:00.000Z',
  queuedAt: '2026-06-01T00:00:00.000Z',
  data: { order_id: 'o1' },
  attempts: 0,
  version: 0,
  ...overrides,
});

/**
 * EndpointStore's contract in memory (test/contract/endpoint-store.test.ts runs the same cases on
 * both): each write conditional on the version read, reads are copies.
 */
export class FakeEndpointStore {
  readonly items = new Map<string, EndpointHealth>();
  async get(webhookId: string, _options: { consistent?: boolean } = {}) {
    const health = this.items.get(webhookId);
    return health && { ...health };
  }
  async getMany(webhookIds: string[]) {
    const found = new Map<string, EndpointHealth>();
    for (const id of webhookIds) {
      const health = this.items.get(id);
      if (health) found.set(id, { ...health });
    }
    return found;
  }
  async save(health: EndpointHealth, _now?: Date) {
    if ((this.items.get(health.webhookId)?.version ?? 0) !== health.version) return false;
    this.items.set(health.webhookId, { ...health, version: health.version + 1 });
    return true;
  }
  change(webhookId: string, change: HealthChange, now: Date) {
    return changeHealth(this, webhookId, change, now);
  }
  async takeProbe(webhookId: string, seen: number, next: number, now: number) {
    const health = this.items.get(webhookId);
    if (!health || health.probeAt !== seen) return false;
    this.items.set(webhookId, { ...health, probeAt: next, probeTakenAt: now, version: health.version + 1 });
    return true;
  }
  /** Sets the stored health as a write by another instance would (a new version). */
  put(health: Partial<EndpointHealth> & { webhookId: string }) {
    const current = this.items.get(health.webhookId) ?? healthyEndpoint(health.webhookId);
    this.items.set(health.webhookId, { ...current, ...health, version: current.version + 1 });
  }
}

/** OrderedJobStore's contract in memory (test/contract/ordered-jobs.test.ts runs the same cases on both). */
export class FakeOrderedJobs implements OrderedJobs {
  /** entityKey → its jobs by seqKey. */
  readonly lines = new Map<string, Map<string, OrderedJob>>();
  async put(entries: OrderedJob[]) {
    for (const e of entries) {
      const line = this.lines.get(e.entityKey) ?? new Map<string, OrderedJob>();
      line.set(e.seqKey, { ...e });
      this.lines.set(e.entityKey, line);
    }
  }
  async head(entityKey: string) {
    const line = [...(this.lines.get(entityKey)?.values() ?? [])].sort((a, b) => (a.seqKey < b.seqKey ? -1 : a.seqKey > b.seqKey ? 1 : 0));
    return line[0] ? { ...line[0] } : undefined;
  }
  async remove(entityKey: string, seqKey: string) {
    this.lines.get(entityKey)?.delete(seqKey);
  }
}
