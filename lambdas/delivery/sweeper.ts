// Crash safety: SQS (in AWS, between the DynamoDB write and the send; locally, always — the
// emulator is memory-only) can lose the message of a pending job. The sweeper re-queues every
// pending job that is overdue by more than the grace period; duplicates are possible, losses not.
import type { DeliveryQueue } from '../stores/delivery-queue.js';
import type { JobStore } from '../stores/job-store.js';

export type SweepResult = { requeued: number };

/** Jobs re-queued per sweep at most; the next sweep takes the rest. */
const BATCH = 500;

export class Sweeper {
  constructor(private readonly deps: { jobs: JobStore; queue: DeliveryQueue; now?: () => Date }) {}

  /** Re-queues pending jobs due more than `graceMs` ago, and takes a lease of `graceMs` on each. */
  async requeueOverdue(graceMs: number): Promise<SweepResult> {
    const now = (this.deps.now?.() ?? new Date()).getTime();
    const due = await this.deps.jobs.listDue(now - graceMs, BATCH);
    const leased = await Promise.all(
      due.map((job) => this.deps.jobs.reschedule(job.jobId, job.nextAttemptAt, now).then((ok) => (ok ? { ...job, nextAttemptAt: now } : undefined))),
    );
    const jobs = leased.filter((job) => job !== undefined);
    await this.deps.queue.enqueue(jobs.map((job) => ({ job })));
    return { requeued: jobs.length };
  }

  /**
   * After a start with an empty queue (the local emulator keeps nothing): queue every pending
   * job again, delayed until it is due (the worker waits out the rest if SQS's 15-minute delay cap cuts it short).
   */
  async requeueAllPending(): Promise<SweepResult> {
    const now = (this.deps.now?.() ?? new Date()).getTime();
    const jobs = await this.deps.jobs.listDue(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    await this.deps.queue.enqueue(jobs.map((job) => ({ job, delaySeconds: (job.nextAttemptAt - now) / 1000 })));
    return { requeued: jobs.length };
  }
}
