// One set of cases for the jobs table, run against the store on dynalite (through the SDK, as the
// functions use it) and against the in-memory fake the Sweeper, FanOut, recover and worker unit
// tests use, so the fake cannot pass on behaviour the store never had: what a job reads back as,
// the version condition, the due index (parked jobs, leases, the sweeper's leases) and the ended index.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { jobIdFor, type StoredJob } from '../../lambdas/domain/delivery.js';
import { dueShardOf, JobStore } from '../../lambdas/stores/job-store.js';
import { DUE_SHARDS, RETENTION_DAYS } from '../../lambdas/stores/table-definitions.js';
import { FakeJobs, jobFixture } from '../support/delivery-fakes.js';
import { type DynaliteTables, startDynaliteTables } from '../support/dynalite-tables.js';

type Jobs = Pick<JobStore, 'get' | 'save' | 'listDue' | 'lease' | 'endLease' | 'listEnded' | 'countEnded'>;

const T0 = Date.parse('2026-06-01T12:00:00.000Z');
const NOW = new Date(T0);
const LEASE = 900_000;
const at = (ms: number) => new Date(ms).toISOString();

let dynalite: DynaliteTables;

beforeAll(async () => {
  dynalite = await startDynaliteTables();
});
afterAll(() => dynalite?.stop());

/** A fresh table per case, so cases never see each other's jobs. */
const storeOnDynalite = async (): Promise<Jobs> => new JobStore(dynalite.db, await dynalite.table('jobs'));

/** A stored job of webhook w1 (its data as the fan-out queued it), pending, at version 1. */
const stored = (eventId: string, fields: Partial<StoredJob> = {}): StoredJob => ({
  ...jobFixture({ eventId, attempts: 1, version: 1 }),
  status: 'pending',
  nextAttemptAt: T0,
  parked: false,
  createdAt: at(T0 - 60_000),
  updatedAt: at(T0 - 60_000),
  ...fields,
});

/** `n` event ids whose jobs (of w1) share one due shard, and that shard. */
function sameShard(n: number): { shard: string; eventIds: string[] } {
  const byShard = new Map<string, string[]>();
  for (let i = 0; ; i++) {
    const eventId = `e${i}`;
    const shard = dueShardOf(jobIdFor('w1', eventId));
    const ids = [...(byShard.get(shard) ?? []), eventId];
    if (ids.length === n) return { shard, eventIds: ids };
    byShard.set(shard, ids);
  }
}

/** An event id whose job (of w1) is in another due shard than `shard`, and that shard. */
function otherShard(shard: string): { shard: string; eventId: string } {
  for (let i = 0; ; i++) {
    const eventId = `x${i}`;
    const s = dueShardOf(jobIdFor('w1', eventId));
    if (s !== shard) return { shard: s, eventId };
  }
}

describe.each([
  ['JobStore on dynalite', storeOnDynalite],
  ['FakeJobs', async (): Promise<Jobs> => new FakeJobs()],
])('jobs: %s', (_name, make) => {
  it('writes a new job only where none is, then only over the version it read', async () => {
    const jobs = await make();
    expect(await jobs.save(stored('e1'), 0)).toBe(true);
    expect(await jobs.save(stored('e1', { attempts: 9 }), 0)).toBe(false);
    expect(await jobs.save(stored('e1', { attempts: 2, version: 3 }), 2)).toBe(false);
    expect(await jobs.save(stored('e1', { attempts: 2, version: 2 }), 1)).toBe(true);
    expect(await jobs.save(stored('e1', { attempts: 3, version: 3 }), 1)).toBe(false);
    expect(await jobs.get('w1', 'e1')).toMatchObject({ attempts: 2, version: 2 });
    // A job that is not stored is at version 0: a write expecting any other finds nothing to replace.
    expect(await jobs.save(stored('e2', { version: 2 }), 1)).toBe(false);
    expect(await jobs.get('w1', 'e2')).toBeUndefined();
  });

  it('reads a job back as stored: without its data or slot, parked and leased only while pending', async () => {
    const jobs = await make();
    const { data: _data, ...withoutData } = stored('e1', {
      parked: true,
      nextAttemptAt: T0 + 5000,
      requested: true,
      order: { entityKey: 'w1#order:o1', seqKey: '1#e1' },
      messageId: 'm1',
      requeuedAt: at(T0 - 1000),
    });
    await jobs.save({ ...withoutData, data: { order_id: 'o1' }, slotAt: T0 + 7 }, 0);
    expect(await jobs.get('w1', 'e1')).toEqual(withoutData);

    // Parked with a lease: the due time is the next attempt, the lease is not kept.
    await jobs.save(stored('e2', { parked: true, leaseUntil: T0 + LEASE }), 0);
    expect(await jobs.get('w1', 'e2')).not.toHaveProperty('leaseUntil');
    // Pending in the queue with a lease: kept.
    await jobs.save(stored('e3', { leaseUntil: T0 + LEASE }), 0);
    expect(await jobs.get('w1', 'e3')).toMatchObject({ parked: false, leaseUntil: T0 + LEASE });
    // Ended: neither parked nor leased, whatever the write said.
    await jobs.save(stored('e4', { status: 'dropped', droppedReason: 'webhook_deleted', parked: true, leaseUntil: T0 + LEASE }), 0);
    const dropped = await jobs.get('w1', 'e4');
    expect(dropped).toMatchObject({ status: 'dropped', droppedReason: 'webhook_deleted', parked: false });
    expect(dropped).not.toHaveProperty('leaseUntil');
  });

  it('lists one shard\'s due jobs — parked by their next attempt, leased by their lease — oldest first, up to the limit', async () => {
    const jobs = await make();
    const { shard, eventIds } = sameShard(6);
    const [a, b, c, d, e, f] = eventIds as [string, string, string, string, string, string];
    await jobs.save(stored(a, { parked: true, nextAttemptAt: T0 + 30 }), 0);
    await jobs.save(stored(b, { leaseUntil: T0 + 10 }), 0);
    await jobs.save(stored(c, { parked: true, nextAttemptAt: T0 + 20 }), 0);
    await jobs.save(stored(d, { nextAttemptAt: T0 }), 0); // pending in the queue, no lease: not in the index
    await jobs.save(stored(e, { status: 'failed', parked: true, nextAttemptAt: T0 }), 0); // ended: not in the index
    await jobs.save(stored(f, { parked: true, nextAttemptAt: T0 + 100 }), 0); // not due yet
    const other = otherShard(shard);
    await jobs.save(stored(other.eventId, { parked: true, nextAttemptAt: T0 }), 0);

    const due = [
      { jobId: jobIdFor('w1', b), dueAt: T0 + 10 },
      { jobId: jobIdFor('w1', c), dueAt: T0 + 20 },
      { jobId: jobIdFor('w1', a), dueAt: T0 + 30 },
    ];
    expect(await jobs.listDue(shard, T0 + 50, 10)).toEqual(due);
    expect(await jobs.listDue(shard, T0 + 50, 2)).toEqual(due.slice(0, 2));
    expect(await jobs.listDue(shard, T0 + 20, 10)).toEqual(due.slice(0, 2));
    expect(await jobs.listDue(shard, T0 + 9, 10)).toEqual([]);
    expect(await jobs.listDue(other.shard, T0, 10)).toEqual([{ jobId: jobIdFor('w1', other.eventId), dueAt: T0 }]);
    const everywhere = (await Promise.all(Array.from({ length: DUE_SHARDS }, (_, s) => jobs.listDue(String(s), T0 + 1000, 10)))).flat();
    expect(everywhere.map((j) => j.jobId).sort()).toEqual([a, b, c, f, other.eventId].map((id) => jobIdFor('w1', id)).sort());
  });

  it('the sweeper\'s lease of a parked job moves its due time only: the version moves on, the next attempt stays', async () => {
    const jobs = await make();
    const parked = stored('e1', { parked: true, nextAttemptAt: T0 - 1000, version: 2 });
    await jobs.save(parked, 0);
    const jobId = jobIdFor('w1', 'e1');
    const shard = dueShardOf(jobId);
    const leased = await jobs.lease({ jobId, dueAt: T0 - 1000 }, T0 + LEASE, NOW);
    const { data: _data, ...withoutData } = parked;
    expect(leased).toEqual({ ...withoutData, version: 3, updatedAt: NOW.toISOString() });
    expect(await jobs.get('w1', 'e1')).toEqual(leased);
    // Due again only when the lease runs out, at the lease's time.
    expect(await jobs.listDue(shard, T0, 10)).toEqual([]);
    expect(await jobs.listDue(shard, T0 + LEASE, 10)).toEqual([{ jobId, dueAt: T0 + LEASE }]);
    // A second sweeper that listed it before the lease finds it changed.
    expect(await jobs.lease({ jobId, dueAt: T0 - 1000 }, T0 + 2 * LEASE, NOW)).toBeUndefined();
    // Once the lease ran out, the next sweep leases it again.
    expect(await jobs.lease({ jobId, dueAt: T0 + LEASE }, T0 + 2 * LEASE, new Date(T0 + LEASE))).toMatchObject({ version: 4, nextAttemptAt: T0 - 1000 });
    // A write of the next version (the worker's) puts the due time back to its next attempt.
    expect(await jobs.save(stored('e1', { parked: true, nextAttemptAt: T0 + 5000, version: 5 }), 4)).toBe(true);
    expect(await jobs.listDue(shard, T0 + 5000, 10)).toEqual([{ jobId, dueAt: T0 + 5000 }]);
  });

  it('leases only a pending job still due where it was listed; a leased job\'s lease moves', async () => {
    const jobs = await make();
    await jobs.save(stored('e1', { leaseUntil: T0 }), 0);
    const jobId = jobIdFor('w1', 'e1');
    expect(await jobs.lease({ jobId, dueAt: T0 + 1 }, T0 + LEASE, NOW)).toBeUndefined();
    expect(await jobs.lease({ jobId, dueAt: T0 }, T0 + LEASE, NOW)).toMatchObject({ version: 2, leaseUntil: T0 + LEASE, parked: false, updatedAt: NOW.toISOString() });
    expect(await jobs.listDue(dueShardOf(jobId), T0 + LEASE, 10)).toEqual([{ jobId, dueAt: T0 + LEASE }]);
    // Ended meanwhile: not leased.
    await jobs.save(stored('e2', { parked: true, nextAttemptAt: T0 }), 0);
    await jobs.save(stored('e2', { status: 'failed', version: 2 }), 1);
    expect(await jobs.lease({ jobId: jobIdFor('w1', 'e2'), dueAt: T0 }, T0 + LEASE, NOW)).toBeUndefined();
    expect(await jobs.get('w1', 'e2')).toMatchObject({ status: 'failed', version: 2 });
    expect(await jobs.lease({ jobId: jobIdFor('w1', 'missing'), dueAt: T0 }, T0 + LEASE, NOW)).toBeUndefined();
  });

  it('ends a sent job\'s lease at its version only, and never a parked job\'s due time', async () => {
    const jobs = await make();
    await jobs.save(stored('e1', { leaseUntil: T0 + LEASE }), 0);
    const jobId = jobIdFor('w1', 'e1');
    await jobs.endLease('w1', 'e1', 2);
    expect(await jobs.get('w1', 'e1')).toMatchObject({ leaseUntil: T0 + LEASE, version: 1 });
    await jobs.endLease('w1', 'e1', 1);
    const ended = await jobs.get('w1', 'e1');
    expect(ended).toMatchObject({ version: 1, status: 'pending', parked: false });
    expect(ended).not.toHaveProperty('leaseUntil');
    expect(await jobs.listDue(dueShardOf(jobId), T0 + 2 * LEASE, 10)).toEqual([]);

    await jobs.save(stored('e2', { parked: true, nextAttemptAt: T0 }), 0);
    await jobs.endLease('w1', 'e2', 1);
    expect(await jobs.listDue(dueShardOf(jobIdFor('w1', 'e2')), T0, 10)).toEqual([{ jobId: jobIdFor('w1', 'e2'), dueAt: T0 }]);
    await expect(jobs.endLease('w1', 'missing', 1)).resolves.toBeUndefined();
  });

  it('lists a webhook\'s failed and dropped jobs in a window by end time, a page at a time, and counts them', async () => {
    const jobs = await make();
    const ended = (eventId: string, ms: number, fields: Partial<StoredJob> = {}) => stored(eventId, { status: 'failed', updatedAt: at(ms), ...fields });
    await jobs.save(ended('e1', T0 + 1000), 0);
    await jobs.save(ended('e3', T0 + 3000, { status: 'dropped', droppedReason: 'webhook_disabled' }), 0);
    await jobs.save(ended('e2', T0 + 2000), 0);
    await jobs.save(ended('e4', T0 + 4000), 0);
    await jobs.save(ended('e5', T0 + 5000, { status: 'succeeded' }), 0);
    await jobs.save(ended('e6', T0 + 2500, { status: 'pending' }), 0);
    await jobs.save(ended('e7', T0 + 9000), 0); // after the window
    await jobs.save(ended('e8', T0 + 2000, { webhookId: 'w2' }), 0);
    const [from, to] = [at(T0), at(T0 + 4000)];

    const first = await jobs.listEnded('w1', from, to, { limit: 3 });
    expect(first).toEqual({ jobIds: ['w1/e1', 'w1/e2', 'w1/e3'], last: { endedAt: at(T0 + 3000), jobId: 'w1/e3' } });
    expect(await jobs.listEnded('w1', from, to, { limit: 3, after: first.last! })).toEqual({ jobIds: ['w1/e4'] });
    expect(await jobs.countEnded('w1', from, to)).toBe(4);
    expect(await jobs.countEnded('w1', from, to, first.last)).toBe(1);
    expect(await jobs.countEnded('w2', from, to)).toBe(1);
    // The window's bounds are inclusive.
    expect((await jobs.listEnded('w1', at(T0 + 2000), at(T0 + 3000), { limit: 10 })).jobIds).toEqual(['w1/e2', 'w1/e3']);

    // Re-queued (pending again): out of the index.
    expect(await jobs.save(ended('e2', T0 + 6000, { status: 'pending', version: 2 }), 1)).toBe(true);
    expect((await jobs.listEnded('w1', from, to, { limit: 10 })).jobIds).toEqual(['w1/e1', 'w1/e3', 'w1/e4']);
  });

  it('says more may follow when a page ends exactly at the last ended job', async () => {
    const jobs = await make();
    for (const [i, id] of ['e1', 'e2'].entries()) await jobs.save(stored(id, { status: 'failed', updatedAt: at(T0 + i) }), 0);
    const page = await jobs.listEnded('w1', at(T0), at(T0 + 10), { limit: 2 });
    expect(page.jobIds).toEqual(['w1/e1', 'w1/e2']);
    expect(page.last).toEqual({ endedAt: at(T0 + 1), jobId: 'w1/e2' });
    expect(await jobs.listEnded('w1', at(T0), at(T0 + 10), { limit: 2, after: page.last! })).toEqual({ jobIds: [] });
  });
});

// What the fake does not model: the item's keys and its expiry (DynamoDB TTL), and the index entries it implies.
describe('jobs: JobStore on dynalite, the stored item', () => {
  it('keeps a job 30 days from its creation, in the due index by its shard, in the ended index by its webhook', async () => {
    const name = await dynalite.table('jobs');
    const jobs = new JobStore(dynalite.db, name);
    const raw = async (eventId: string) => (await dynalite.db.send(new GetCommand({ TableName: name, Key: { job_id: jobIdFor('w1', eventId) } }))).Item;
    await jobs.save(stored('e1', { parked: true, nextAttemptAt: T0 + 5 }), 0);
    await jobs.save(stored('e2', { status: 'failed', updatedAt: at(T0 + 7) }), 0);
    expect(await raw('e1')).toMatchObject({ due_shard: dueShardOf('w1/e1'), due_at: T0 + 5, parked: true, expires_at: Math.floor((T0 - 60_000) / 1000) + RETENTION_DAYS * 86_400 });
    expect(await raw('e1')).not.toHaveProperty('data');
    expect(await raw('e2')).toMatchObject({ ended_webhook: 'w1', ended_at: at(T0 + 7) });
    expect(await raw('e2')).not.toHaveProperty('due_shard');
  });
});
