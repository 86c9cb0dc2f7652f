// How fast the sweeper re-queues parked jobs (issue 9: "1,000,000 pending jobs in minutes"):
// `jobs` parked jobs, all due, written straight into the local runtime's jobs table, then one
// Sweeper run against the real DynamoDB engine, sending to a counting queue (the SQS side is
// batches of 10, measured elsewhere). Reports jobs/s and the time 1,000,000 would take at that rate.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Sweeper } from '../lambdas/delivery/sweeper.js';
import type { StoredJob } from '../lambdas/domain/delivery.js';
import { JobStore } from '../lambdas/stores/job-store.js';
import { startRuntime } from './runtime.js';

export type SweepResult = { parked: number; requeued: number; seconds: number; jobs_per_sec: number; minutes_for_1m_at_this_rate: number };

export async function runSweepBench(options: { jobs: number }): Promise<SweepResult> {
  // The runtime's own sweeper must not take the jobs first: its timer is set past the bench.
  const runtime = await startRuntime({ env: { SWEEP_INTERVAL_SECONDS: '3600' } });
  const { state } = runtime;
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: state.region, endpoint: state.dynamodb_endpoint, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } }),
  );
  try {
    const jobs = new JobStore(db, state.tables.jobs);
    const now = Date.now();
    const parked = (n: number): StoredJob => ({
      partnerId: 'bench',
      webhookId: `w${n % 50}`,
      eventId: `e${n}`,
      eventType: 'order.filled',
      environment: 'sandbox',
      eventCreatedAt: new Date(now).toISOString(),
      queuedAt: new Date(now).toISOString(),
      attempts: 2,
      version: 2,
      status: 'pending',
      nextAttemptAt: now - 1000,
      parked: true,
      createdAt: new Date(now).toISOString(),
      updatedAt: new Date(now).toISOString(),
    });
    for (let i = 0; i < options.jobs; i += 64) {
      await Promise.all(Array.from({ length: Math.min(64, options.jobs - i) }, (_, k) => jobs.save(parked(i + k), 0)));
    }
    let sent = 0;
    const sweeper = new Sweeper({
      jobs,
      queue: { send: async (_lane, outgoing) => ((sent += outgoing.length), outgoing.map(() => ({ ok: true as const }))) },
      leaseMs: 900_000,
      budgetMs: 600_000,
    });
    const started = performance.now();
    const result = await sweeper.requeueDue();
    const seconds = (performance.now() - started) / 1000;
    const rate = result.requeued / seconds;
    return {
      parked: options.jobs,
      requeued: sent,
      seconds: Math.round(seconds * 10) / 10,
      jobs_per_sec: Math.round(rate),
      minutes_for_1m_at_this_rate: Math.round((1_000_000 / rate / 60) * 10) / 10,
    };
  } finally {
    db.destroy();
    await runtime.stop();
  }
}
