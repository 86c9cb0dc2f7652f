// In-memory stand-ins for RateLimitStore's per-key state (lambdas/domain/rate-limiter.ts) and its
// per-webhook slot schedule (lambdas/domain/delivery-rate.ts), each keeping the store's
// conditional write. Held to the same contract as the DynamoDB store
// (test/contract/rate-limit-store.test.ts runs the same cases on both).
import type { SlotSchedule, SlotScheduleStore } from '../../lambdas/domain/delivery-rate.js';
import type { RateLimitState, RateLimitStateStore } from '../../lambdas/domain/rate-limiter.js';

/** Per-key rate-limit state, written over the version read; counts its writes and refused writes. */
export function memoryRateLimitStates(): RateLimitStateStore & { writes: number; conflicts: number } {
  const items = new Map<string, { state: RateLimitState; version: number }>();
  const store = {
    writes: 0,
    conflicts: 0,
    read: async (key: string) => structuredClone(items.get(key)),
    write: async (key: string, state: RateLimitState, expected: number | undefined) => {
      if (items.get(key)?.version !== expected) {
        store.conflicts++;
        return false;
      }
      store.writes++;
      items.set(key, { state: structuredClone(state), version: (expected ?? 0) + 1 });
      return true;
    },
  };
  return store;
}

/** Per-webhook next free slot, moved only from the one read. */
export function memorySlotSchedule(): SlotScheduleStore {
  const items = new Map<string, SlotSchedule>();
  return {
    readSchedule: async (id: string) => (items.has(id) ? { ...items.get(id)! } : undefined),
    advanceSchedule: async (id: string, seen: SlotSchedule | undefined, nextAt: number) => {
      if (items.get(id)?.nextAt !== seen?.nextAt) return false;
      items.set(id, { nextAt });
      return true;
    },
  };
}
