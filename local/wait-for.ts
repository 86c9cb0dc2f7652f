// Polls a condition until it yields a value (no fixed sleeps in tests and tools). Without a fixed
// `intervalMs` the pause grows from 25 ms by half each time up to 200 ms: a condition that comes
// soon is seen soon, and a long wait does not keep the runtime it reads (API, tables) busy.
const FIRST_PAUSE_MS = 25;
const MAX_PAUSE_MS = 200;

export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  options: { timeoutMs?: number; intervalMs?: number; what?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let pause = options.intervalMs ?? FIRST_PAUSE_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${options.what?.() ?? 'condition'}`);
    await new Promise((resolve) => setTimeout(resolve, pause));
    if (options.intervalMs === undefined) pause = Math.min(MAX_PAUSE_MS, pause * 1.5);
  }
}
