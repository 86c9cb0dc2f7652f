// SPEC §11 rate limits: the slot schedule on dynalite (through the SDK, as the delivery functions
// use it) and the gate over it — concurrent reservations from several gates (instances) never
// hand out two slots closer than the interval, and the schedule's conditional write is the one
// that decides (that write on the store and its fake: test/contract/rate-limit-store.test.ts).
import { DeliveryRateGate, slotIntervalMs } from '../../lambdas/domain/delivery-rate.js';
import { RateLimitStore } from '../../lambdas/stores/rate-limit-store.js';
import { type DynaliteTables, startDynaliteTables } from '../support/dynalite-tables.js';

let dynalite: DynaliteTables;
let store: RateLimitStore;
const T0 = Date.parse('2026-06-01T00:00:00.000Z');

beforeAll(async () => {
  dynalite = await startDynaliteTables();
  store = new RateLimitStore(dynalite.db, await dynalite.table('rateLimits'));
});
afterAll(() => dynalite?.stop());

describe('the rate-limit slot schedule (SPEC §11)', () => {
  it('hands out distinct slots at least one interval apart to concurrent reservations from several instances', async () => {
    const gates = [new DeliveryRateGate(store), new DeliveryRateGate(store), new DeliveryRateGate(store)];
    const slots = (await Promise.all(Array.from({ length: 30 }, (_, i) => gates[i % 3]!.reserve('w-race', 5, T0)))).sort((a, b) => a - b);
    expect(slots[0]).toBe(T0);
    for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!).toBeGreaterThanOrEqual(slotIntervalMs(5) - 1e-6);
    // So no rolling second holds more than the limit.
    for (const start of slots) expect(slots.filter((s) => s >= start && s < start + 1000).length).toBeLessThanOrEqual(5);
  });

  it('starts a webhook that has been idle at now, not at its old schedule', async () => {
    const gate = new DeliveryRateGate(store);
    await gate.reserve('w-idle', 2, T0);
    expect(await gate.reserve('w-idle', 2, T0 + 60_000)).toBe(T0 + 60_000);
  });
});
