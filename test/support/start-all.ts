// Starts a suite's resources (runtime, receiver, browser, …) together. If one fails to start, the
// ones that did are stopped before the error is rethrown: a failed beforeAll leaves nothing
// running that would keep jest from exiting (afterAll never sees them, as they were not assigned).
type Stoppable = { stop(): Promise<unknown> } | { close(): Promise<unknown> };

export async function startAll<T extends readonly Stoppable[]>(starting: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(starting);
  const failures = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failures.length === 0) return settled.map((s) => (s as PromiseFulfilledResult<Stoppable>).value) as unknown as T;
  await Promise.allSettled(
    settled.flatMap((s) => (s.status === 'fulfilled' ? [('stop' in s.value ? s.value.stop() : s.value.close())] : [])),
  );
  if (failures.length === 1) throw failures[0]!.reason;
  throw new AggregateError(
    failures.map((f) => f.reason),
    failures.map((f) => String(f.reason instanceof Error ? f.reason.message : f.reason)).join('\n'),
  );
}
