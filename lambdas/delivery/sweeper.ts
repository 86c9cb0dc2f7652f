// Re-queues parked jobs (retries whose wait was too long to hold in SQS) once they are due. The
// due index is sharded (DUE_SHARDS); each run goes round the shards a page at a time, so every
// shard gets its turn however large another's backlog, and stops when nothing is due or its time
// budget is spent (no fixed cap: the next run goes on). Each job is leased before its message is
// sent (its version moves on and it stays in the index until the lease runs out), so a message
// that is lost is sent again after the lease, and one that is merely lagging behind a backlog
// finds a newer version on arrival and sends nothing: no duplicate POST.
import { deliverMessage, type DeliveryJob, type Lane } from '../domain/delivery.js';
import type { SendResult } from '../stores/delivery-queue.js';
import type { JobStore } from '../stores/job-store.js';
import { DUE_SHARDS } from '../stores/table-definitions.js';
import { type Clock, clockOf } from '../domain/clock.js';

/** The sweeper's metric (EMF, written by its handler): how long the oldest job it found due had been due (0 when none was). */
export const SWEEP_LAG_METRIC = 'SweepLag';

/**
 * `unfinished`: the budget ran out with jobs still due (the next run takes them). `oldestDueAt`:
 * when the oldest job found due was due (epoch ms): how far the sweeper lags behind.
 */
export type SweepResult = { requeued: number; refused: number; unfinished?: boolean; oldestDueAt?: number };

/**
 * The due shards one invocation works on: those whose number % `parts` is `part`. The stack starts
 * `parts` invocations a minute (stage option `sweeperParts`), each with its own CPU and time budget.
 */
export type SweepPart = { part: number; parts: number };
export const WHOLE_SWEEP: SweepPart = { part: 0, parts: 1 };

/** Jobs leased and queued together: one page of a shard. */
const PAGE = 250;
/** Shards worked on at once, and leases in flight per shard (≤ 160 DynamoDB calls at a time). */
const SHARDS_IN_PARALLEL = 16;
const LEASES_IN_PARALLEL = 10;

export type SweeperDeps = {
  jobs: Pick<JobStore, 'listDue' | 'lease'>;
  queue: { send(lane: Lane, outgoing: { message: ReturnType<typeof deliverMessage> }[]): Promise<SendResult[]> };
  /** How long a re-queued job may take to reach the worker before it is sent again. */
  leaseMs: number;
  /** How long one run may go on starting new pages (SWEEP_BUDGET_MS; below the function's timeout). */
  budgetMs: number;
  now?: Clock;
};

export class Sweeper {
  /** Where the next run starts (an index into its part's shards): after those the last one left (a warm instance), anywhere at a cold start. */
  private firstShard = Math.floor(Math.random() * DUE_SHARDS);

  constructor(private readonly deps: SweeperDeps) {}

  /** Re-queues the parked jobs due now in `part`'s shards, round the shards, until none is due or the budget is spent. */
  async requeueDue(part: SweepPart = WHOLE_SWEEP): Promise<SweepResult> {
    const now = () => clockOf(this.deps)().getTime();
    const deadline = now() + this.deps.budgetMs;
    const total: SweepResult = { requeued: 0, refused: 0 };
    const shards = Array.from({ length: DUE_SHARDS }, (_, i) => i).filter((i) => i % part.parts === part.part);
    let pending = shards.map((_, i) => String(shards[(this.firstShard + i) % shards.length]));
    while (pending.length > 0) {
      if (now() >= deadline) {
        total.unfinished = true;
        this.firstShard = shards.indexOf(Number(pending[0]));
        break;
      }
      const more: string[] = [];
      await pool(pending, SHARDS_IN_PARALLEL, async (shard) => {
        if (now() >= deadline) return more.push(shard);
        const page = await this.sweepPage(shard, now());
        total.requeued += page.requeued;
        total.refused += page.refused;
        // The index is read oldest first: a page's first entry is its shard's oldest due job.
        if (page.oldestDueAt !== undefined && !(page.oldestDueAt >= (total.oldestDueAt ?? Infinity))) total.oldestDueAt = page.oldestDueAt;
        if (page.full) more.push(shard);
      });
      pending = more;
    }
    return total;
  }

  /** One page of a shard: leased, then queued. `full`: the shard may hold more. */
  private async sweepPage(shard: string, now: number): Promise<{ requeued: number; refused: number; full: boolean; oldestDueAt?: number }> {
    const due = await this.deps.jobs.listDue(shard, now, PAGE);
    const leased: DeliveryJob[] = [];
    await pool(due, LEASES_IN_PARALLEL, async (d) => {
      const job = await this.deps.jobs.lease(d, now + this.deps.leaseMs, new Date(now));
      if (job) leased.push(job);
    });
    // Parked jobs travel by reference (the worker reads the event's data), on the slow lane: a
    // burst of an outage's retries never queues ahead of healthy endpoints' fresh deliveries.
    const results = leased.length ? await this.deps.queue.send('slow', leased.map((job) => ({ message: deliverMessage({ ...job, data: undefined }) }))) : [];
    const refused = results.filter((r) => !r.ok).length;
    return { requeued: leased.length - refused, refused, full: due.length >= PAGE, ...(due.length ? { oldestDueAt: due[0]!.dueAt } : {}) };
  }
}

/** Runs `work` over `items`, at most `width` at a time. */
async function pool<T>(items: readonly T[], width: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}
