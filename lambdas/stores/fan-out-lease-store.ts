// Fan-outs in progress: one small item per event whose jobs are not all queued yet (SPEC §4: a
// crash between storing an event and queueing it must never lose it). A fan-out claims the
// event's lease before it stores the event and releases it (deletes the item) once every job is
// in the queue, so "the event is stored and no lease is held" means "fully queued": only then is
// a second publish of the event a duplicate. A lease whose holder died (a timeout, kill -9) runs
// out; the next publish of the event, or the sweeper, claims it and finishes the queueing.
//
// Items live in FAN_OUT_SHARDS partitions (key `shard`), so the sweeper finds abandoned leases
// with one Query per shard and no index, and no partition takes every fan-out's two writes.
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { writeIf } from './conditional.js';
import { eventKey } from './event-store.js';
import { expiresAt, FAN_OUT_SHARDS, shardOf } from './table-definitions.js';

export type EventRef = { partnerId: string; eventId: string };

export type FanOutLease = EventRef & { owner: string; leaseUntil: number; claimedAt: number };

/** `unfinished`: an earlier fan-out of this event claimed it and never released it (it died, or failed to queue). */
export type Claim = { claimed: true; unfinished: boolean } | { claimed: false };

type LeaseItem = {
  shard: string;
  event_key: string;
  partner_id: string;
  event_id: string;
  lease_owner: string;
  lease_until: number;
  claimed_at: number;
  expires_at: number;
};

/** What FanOut needs of the leases (the fake in test/support keeps the same contract). */
export type FanOutLeases = Pick<FanOutLeaseStore, 'claim' | 'release' | 'expire' | 'listAbandoned'>;

export class FanOutLeaseStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Takes the event's lease for `owner` until `leaseUntil`: when nobody holds it, when its holder's
   * lease ran out (`now`), or when `owner` holds it already (the same invocation retried).
   */
  async claim(ref: EventRef, owner: string, now: number, leaseUntil: number): Promise<Claim> {
    const item: LeaseItem = {
      ...this.key(ref),
      partner_id: ref.partnerId,
      event_id: ref.eventId,
      lease_owner: owner,
      lease_until: leaseUntil,
      claimed_at: now,
      expires_at: expiresAt(new Date(now)),
    };
    let previous: Record<string, unknown> | undefined;
    const claimed = await writeIf(async () => {
      const result = await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(event_key) OR lease_until <= :now OR lease_owner = :owner',
          ExpressionAttributeValues: { ':now': now, ':owner': owner },
          ReturnValues: 'ALL_OLD',
        }),
      );
      previous = result.Attributes;
    });
    return claimed ? { claimed: true, unfinished: previous !== undefined } : { claimed: false };
  }

  /** Every job is queued: the lease goes (only the holder's own). */
  async release(ref: EventRef, owner: string): Promise<void> {
    await writeIf(() =>
      this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: this.key(ref),
          ConditionExpression: 'lease_owner = :owner',
          ExpressionAttributeValues: { ':owner': owner },
        }),
      ),
    );
  }

  /** The holder failed to queue: its lease ends now, so a retry need not wait it out. */
  async expire(ref: EventRef, owner: string): Promise<void> {
    await writeIf(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(ref),
          UpdateExpression: 'SET lease_until = :zero',
          ConditionExpression: 'lease_owner = :owner',
          ExpressionAttributeValues: { ':owner': owner, ':zero': 0 },
        }),
      ),
    );
  }

  /**
   * Leases of one shard whose holder is gone: run out by `now`, or (when the host knows every
   * earlier holder is dead, as the local runtime does at start) claimed before `claimedBefore`.
   */
  async listAbandoned(shard: string, now: number, claimedBefore = 0, limit = 100): Promise<FanOutLease[]> {
    const found: FanOutLease[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#shard = :shard',
          FilterExpression: 'lease_until <= :now OR claimed_at < :before',
          ExpressionAttributeNames: { '#shard': 'shard' },
          ExpressionAttributeValues: { ':shard': shard, ':now': now, ':before': claimedBefore },
          ExclusiveStartKey: start,
          Limit: limit,
        }),
      );
      for (const item of (page.Items ?? []) as LeaseItem[]) {
        found.push({ partnerId: item.partner_id, eventId: item.event_id, owner: item.lease_owner, leaseUntil: item.lease_until, claimedAt: item.claimed_at });
      }
      start = page.LastEvaluatedKey;
    } while (start && found.length < limit);
    return found.slice(0, limit);
  }

  private key(ref: EventRef): Pick<LeaseItem, 'shard' | 'event_key'> {
    const key = eventKey(ref.partnerId, ref.eventId);
    return { shard: fanOutShardOf(key), event_key: key };
  }
}

/** A stable shard per event. */
export const fanOutShardOf = (key: string): string => shardOf(key, FAN_OUT_SHARDS);
