// How fast the sweeper re-queues parked jobs (the goal: 1,000,000 pending jobs in minutes): parked jobs, all due,
// written into the local jobs table, then one Sweeper run against the real DynamoDB engine, sending to a counting queue
// (SQS batches are measured elsewhere).
import { Sweeper } from '../lambdas/delivery/sweeper.js';
import type { StoredJob } from '../lambdas/domain/delivery.js';
import { JobStore } from '../lambdas/stores/job-store.js';
import { localClients, withRuntime } from './runtime.js';
import { round } from './util.js';

export function runSweepBench(options: { jobs: number }) {
  // The runtime's own sweeper must not take the jobs first: its timer is set past the bench.
  return withRuntime({ SWEEP_INTERVAL_SECONDS: '3600' }, async ({ state }) => {
    const { db, destroy } = localClients(state);
    try {
      const jobs = new JobStore(db, state.tables.jobs);
      const now = Date.now();
      const at = new Date(now).toISOString();
      const parked = (n: number): StoredJob => ({
        partnerId: 'bench', webhookId: `w${n % 50}`, eventId: `e${n}`, eventType: 'order.filled', environment: 'sandbox', eventCreatedAt: at, queuedAt: at,
        attempts: 2, version: 2, status: 'pending', nextAttemptAt: now - 1000, parked: true, createdAt: at, updatedAt: at,
      });
      for (let i = 0; i < options.jobs; i += 64) {
        await Promise.all(Array.from({ length: Math.min(64, options.jobs - i) }, (_, k) => jobs.save(parked(i + k), 0)));
      }
      let sent = 0;
      const queue = { send: async (_lane: unknown, outgoing: unknown[]) => ((sent += outgoing.length), outgoing.map(() => ({ ok: true as const }))) };
      const sweeper = new Sweeper({ jobs, queue, leaseMs: 900_000, budgetMs: 600_000 });
      const started = performance.now();
      const result = await sweeper.requeueDue();
      const seconds = (performance.now() - started) / 1000;
      const rate = result.requeued / seconds;
      return { parked: options.jobs, requeued: sent, seconds: round(seconds, 1)!, jobs_per_sec: Math.round(rate), minutes_for_1m_at_this_rate: round(1_000_000 / rate / 60, 1)! };
    } finally {
      destroy();
    }
  });
}
