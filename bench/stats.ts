// Small numeric helpers for the bench: percentiles (nearest rank), rounding, summaries.

/** Nearest-rank percentile of an ascending array (p in 0..100); NaN for an empty one. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const ascending = (values: Iterable<number>): number[] => [...values].sort((a, b) => a - b);
export const median = (values: Iterable<number>): number => percentile(ascending(values), 50);

/** Rounds to `digits` decimals; null for NaN/Infinity so JSON stays valid. */
export function round(value: number, digits = 1): number | null {
  if (!Number.isFinite(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** `round`, NaN instead of null (for results typed as numbers). */
export const num = (value: number, digits = 1): number => round(value, digits) ?? Number.NaN;

export type LatencySummary = ReturnType<typeof summarise>;

export function summarise(values: Iterable<number>) {
  const sorted = ascending(values);
  const at = (p: number) => round(percentile(sorted, p));
  const mean = sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : Number.NaN;
  return { count: sorted.length, p50_ms: at(50), p90_ms: at(90), p99_ms: at(99), max_ms: round(sorted.at(-1) ?? Number.NaN), mean_ms: round(mean) };
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
