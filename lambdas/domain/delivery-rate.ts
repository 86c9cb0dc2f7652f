// SPEC §11 `rate_limit_per_second`: deliveries to one webhook never exceed its limit in any rolling
// second, across every delivery instance. Each attempt takes a start time (a slot) from the
// webhook's shared schedule: slots are spaced 1/limit apart (plus a margin for timer and network
// jitter), handed out in order by a conditional write of the schedule's next free slot. An
// attempt starts at its slot, never earlier; one that could not start at its slot (its message
// came late) gives the slot up and takes a new one, so no second ever holds more than `limit`.
// A job whose slot is further off waits for it in the queue (held, not an attempt: never dropped,
// never counted as a failed attempt).

import { SerialPerKey } from '../shared/serial-per-key.js';

/**
 * Slots are this much further apart than 1/limit: `limit` attempts then span 1.5 s, so scheduling
 * and network jitter of up to 500 ms in all (seen on a loaded 2-core machine: 200 ms was not enough)
 * never puts more than `limit` into one second at the endpoint. The price: a webhook at its limit
 * gets about two thirds of it.
 */
const SPACING_MARGIN = 1.5;

/**
 * An attempt that starts later than this after its slot (a busy instance's timers run late) gives
 * the slot up and takes another: a late start could otherwise land within one interval of the next
 * slot's attempt.
 */
export const lateStartToleranceMs = (perSecond: number): number => slotIntervalMs(perSecond) / 10;

/** The time between two attempts to a webhook limited to `perSecond` (ms). */
export const slotIntervalMs = (perSecond: number): number => (1000 / perSecond) * SPACING_MARGIN;

/** The webhook's schedule as stored: its next free slot (epoch ms), and what a conditional write compares. */
export type SlotSchedule = { nextAt: number };

/** What the gate needs of the store (stores/rate-limit-store.ts implements it). */
export type SlotScheduleStore = {
  readSchedule(webhookId: string): Promise<SlotSchedule | undefined>;
  /** Moves the next free slot from `seen` (undefined: none stored) to `nextAt`; false when another writer moved it first. */
  advanceSchedule(webhookId: string, seen: SlotSchedule | undefined, nextAt: number): Promise<boolean>;
};

const RESERVE_TRIES = 20;

export class DeliveryRateGate {
  /** One reservation at a time per webhook in this instance: its own attempts never race each other's writes. */
  private readonly reserving = new SerialPerKey();

  constructor(private readonly store: SlotScheduleStore) {}

  /** The start time of one attempt to the webhook: the first free slot from `now` on. */
  reserve(webhookId: string, perSecond: number, now: number): Promise<number> {
    return this.reserving.run(webhookId, () => this.take(webhookId, perSecond, now));
  }

  private async take(webhookId: string, perSecond: number, now: number): Promise<number> {
    for (let tries = 0; tries < RESERVE_TRIES; tries++) {
      const seen = await this.store.readSchedule(webhookId);
      const slot = Math.max(seen?.nextAt ?? 0, now);
      if (await this.store.advanceSchedule(webhookId, seen, slot + slotIntervalMs(perSecond))) return slot;
      // Another instance took the slot first: a jittered pause, so contenders stop meeting in step.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * (tries + 1)));
    }
    throw new Error(`rate limit of webhook ${webhookId}: the schedule kept changing (${RESERVE_TRIES} tries)`);
  }
}
