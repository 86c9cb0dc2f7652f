// Re-queues parked jobs (retries whose wait was too long to hold in SQS) once they are due. The
// due index is sharded; all shards are read in parallel. Each job is leased before its message is
// sent (its version moves on and it stays in the index until the lease runs out), so a message
// that is lost is sent again after the lease, and one that is merely lagging behind a backlog
// finds a newer version on arrival and sends nothing: no duplicate POST.
import { deliverMessage, type DeliveryJob, type Lane } from '../domain/delivery.js';
import type { SendResult } from '../stores/delivery-queue.js';
import type { JobStore } from '../stores/job-store.js';
import { DUE_SHARDS } from '../stores/table-definitions.js';
import { type Clock, systemClock } from '../domain/clock.js';

/** `oldestDueAt`: when the oldest job found due was due (epoch ms): how far the sweeper lags behind. */
/** The sweeper's metric (EMF, written by its handler): how long the oldest job it found due had been due (0 when none was). */
export const SWEEP_LAG_METRIC = 'SweepLag';

export type SweepResult = { requeued: number; refused: number; oldestDueAt?: number };

/** Jobs leased and queued together: a page of the index, at most. */
const PAGE = 500;
/** Leases in flight per shard. */
const LEASES_IN_PARALLEL = 25;

export type SweeperDeps = {
  jobs: Pick<JobStore, 'listDue' | 'lease'>;
  queue: { send(lane: Lane, outgoing: { message: ReturnType<typeof deliverMessage> }[]): Promise<SendResult[]> };
  /** How long a re-queued job may take to reach the worker before it is sent again. */
  leaseMs: number;
  now?: Clock;
};

export class Sweeper {
  constructor(private readonly deps: SweeperDeps) {}

  /** Re-queues every parked job due now, up to `maxJobs` (the next sweep takes the rest). */
  async requeueDue(maxJobs = 100_000): Promise<SweepResult> {
    const perShard = Math.ceil(maxJobs / DUE_SHARDS);
    const results = await Promise.all(Array.from({ length: DUE_SHARDS }, (_, shard) => this.sweepShard(String(shard), perShard)));
    const oldest = Math.min(...results.map((r) => r.oldestDueAt ?? Infinity));
    return {
      requeued: results.reduce((n, r) => n + r.requeued, 0),
      refused: results.reduce((n, r) => n + r.refused, 0),
      ...(Number.isFinite(oldest) ? { oldestDueAt: oldest } : {}),
    };
  }

  private async sweepShard(shard: string, maxJobs: number): Promise<SweepResult> {
    const total: SweepResult = { requeued: 0, refused: 0 };
    while (total.requeued + total.refused < maxJobs) {
      const now = (this.deps.now ?? systemClock)();
      const due = await this.deps.jobs.listDue(shard, now.getTime(), Math.min(PAGE, maxJobs - total.requeued - total.refused));
      if (due.length === 0) break;
      // The index is read oldest first: the first page's first entry is the shard's oldest due job.
      total.oldestDueAt ??= due[0]!.dueAt;
      const leased: DeliveryJob[] = [];
      for (let i = 0; i < due.length; i += LEASES_IN_PARALLEL) {
        const jobs = await Promise.all(due.slice(i, i + LEASES_IN_PARALLEL).map((d) => this.deps.jobs.lease(d, now.getTime() + this.deps.leaseMs, now)));
        leased.push(...jobs.filter((j) => j !== undefined));
      }
      // Parked jobs travel by reference (the worker reads the event's data), on the slow lane: a
      // burst of an outage's retries never queues ahead of healthy endpoints' fresh deliveries.
      const results = await this.deps.queue.send('slow', leased.map((job) => ({ message: deliverMessage({ ...job, data: undefined }) })));
      const refused = results.filter((r) => !r.ok).length;
      total.requeued += leased.length - refused;
      total.refused += refused;
      if (due.length < PAGE) break;
    }
    return total;
  }
}
