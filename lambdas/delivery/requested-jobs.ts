// The deliveries a partner asks for (SPEC §7, §9): a test event to one webhook, and a known event
// queued again to a webhook (redeliver, recover). Each job is marked `requested`, so an open
// circuit never swallows it: it waits for the circuit instead. The fan-out (fan-out.ts) queues
// the deliveries of published events.
import { type Clock, clockOf } from '../domain/clock.js';
import { type DeliveryJob, deliverMessage, type Lane, nextStoredJob, type StoredJob } from '../domain/delivery.js';
import type { Environment } from '../domain/environments.js';
import { TEST_EVENT_TYPE } from '../domain/event-types.js';
import type { Webhook } from '../domain/webhook.js';
import type { SendResult } from '../stores/delivery-queue.js';
import type { EventStore } from '../stores/event-store.js';
import type { JobStore } from '../stores/job-store.js';

export type RequestedJobsDeps = {
  events: Pick<EventStore, 'putIfAbsent'>;
  queue: { send(lane: Lane, outgoing: { message: ReturnType<typeof deliverMessage> }[]): Promise<SendResult[]> };
  jobs: Pick<JobStore, 'save' | 'endLease'>;
  /** How long a re-queued job's message has it before the sweeper sends it again (SWEEP_LEASE_SECONDS). */
  requeueLeaseMs: number;
  now?: Clock;
};

/** Jobs written (in parallel) and then queued together by a redelivery. */
const REQUEUE_CHUNK = 25;

export class RequestedJobs {
  constructor(private readonly deps: RequestedJobsDeps) {}

  /** The test route's path: one webhook.test job for one webhook, its event stored first (the worker and the history read it). */
  async sendTest(webhook: Webhook, eventId: string, environment: Environment): Promise<void> {
    const createdAt = this.now().toISOString();
    const data = { webhook_id: webhook.id, message: 'This is a test event from Buildmarkets Webhooks.' };
    await this.deps.events.putIfAbsent({ eventId, eventType: TEST_EVENT_TYPE, partnerId: webhook.partnerId, data, environment, createdAt, webhookIds: [webhook.id], fanOutId: eventId });
    const job: DeliveryJob = {
      partnerId: webhook.partnerId,
      webhookId: webhook.id,
      eventId,
      eventType: TEST_EVENT_TYPE,
      environment,
      eventCreatedAt: createdAt,
      queuedAt: createdAt,
      data,
      attempts: 0,
      version: 0,
      requested: true,
    };
    const [result] = await this.deps.queue.send('fast', [{ message: deliverMessage(job) }]);
    if (!result?.ok) throw new Error(`the queue refused a test event: ${result && !result.ok ? result.reason : 'no answer'}`);
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
    const at = this.now();
    const now = at.toISOString();
    const leaseUntil = at.getTime() + this.deps.requeueLeaseMs;
    let queued = 0;
    for (let i = 0; i < entries.length; i += REQUEUE_CHUNK) {
      const chunk = entries.slice(i, i + REQUEUE_CHUNK).map(({ job, stored }) => {
        const version = (stored?.version ?? 0) + 1;
        const queued: DeliveryJob = { ...job, requested: true, queuedAt: now, version };
        const next = nextStoredJob(queued, { status: 'pending', attempts: job.attempts, nextAttemptAt: at.getTime(), parked: false, leaseUntil, requeuedAt: now }, version, at, stored);
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
    return clockOf(this.deps)();
  }
}
