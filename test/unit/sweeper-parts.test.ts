// The sweeper split over several invocations a minute (stage option sweeperParts): each part
// re-queues only the due shards whose number % parts is its part, so the parts together cover
// every shard once, and the handler reads the part from the schedule's input.
import { Sweeper } from '../../lambdas/delivery/sweeper.js';
import type { StoredJob } from '../../lambdas/domain/delivery.js';
import type { DueJob } from '../../lambdas/stores/job-store.js';
import { DUE_SHARDS } from '../../lambdas/stores/table-definitions.js';
import { jobFixture } from '../support/delivery-fakes.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');

/** A due index with one job per shard; records which shards were read. */
function dueIndex() {
  const read: string[] = [];
  return {
    read,
    jobs: {
      listDue: async (shard: string): Promise<DueJob[]> => {
        read.push(shard);
        return [{ jobId: `job-${shard}`, dueAt: NOW - 1000 }];
      },
      lease: async (d: DueJob) => ({ ...jobFixture({ eventId: d.jobId }), status: 'pending' }) as unknown as StoredJob,
    },
  };
}

const queue = { send: async (_lane: string, outgoing: unknown[]) => outgoing.map(() => ({ ok: true as const })) };

describe('sweeper parts', () => {
  it('re-queues only its own part of the due shards, and the parts together cover each shard once', async () => {
    const seen: string[] = [];
    for (let part = 0; part < 4; part++) {
      const index = dueIndex();
      const sweeper = new Sweeper({ jobs: index.jobs, queue, leaseMs: 60_000, budgetMs: 60_000, now: () => new Date(NOW) });
      const result = await sweeper.requeueDue({ part, parts: 4 });
      expect(index.read.every((shard) => Number(shard) % 4 === part)).toBe(true);
      expect(result.requeued).toBe(DUE_SHARDS / 4);
      seen.push(...index.read);
    }
    expect(seen.map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: DUE_SHARDS }, (_, i) => i));
  });

  it('sweeps every shard without a part', async () => {
    const index = dueIndex();
    const sweeper = new Sweeper({ jobs: index.jobs, queue, leaseMs: 60_000, budgetMs: 60_000, now: () => new Date(NOW) });
    expect((await sweeper.requeueDue()).requeued).toBe(DUE_SHARDS);
    expect(new Set(index.read).size).toBe(DUE_SHARDS);
  });
});
