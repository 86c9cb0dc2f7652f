// Small helpers: progress lines, the repository root, numbers (nearest-rank percentiles, rounding, summaries, clocks)
// and child processes run to completion (the long-lived ones have their own handles: runtime.ts, receiver.ts).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The repository root (bench/ is one level below). */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

const started = performance.now();
/** A progress line on stderr (stdout is kept for the final table), prefixed with the time since start. */
export function progress(message: string): void {
  process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s] ${message}\n`);
}

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

export function summarise(values: Iterable<number>) {
  const sorted = ascending(values);
  const at = (p: number) => round(percentile(sorted, p));
  const mean = sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : Number.NaN;
  return { count: sorted.length, p50_ms: at(50), p90_ms: at(90), p99_ms: at(99), max_ms: round(sorted.at(-1) ?? Number.NaN), mean_ms: round(mean) };
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export const epochMs = (): number => performance.timeOrigin + performance.now();
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
export const loads = () => loadavg().map((l) => round(l, 2)!);

/** A JSON log line of the runtime, or undefined for any other line. */
export function parseLogLine(line: string): { level?: string; message?: string; error?: unknown } | undefined {
  try {
    return JSON.parse(line) as { level?: string; message?: string; error?: unknown };
  } catch {
    return undefined;
  }
}

/** Runs a process to completion; a non-zero exit is an error carrying its output. */
export async function runProcess(command: string, args: string[], options: { env?: Record<string, string>; cwd?: string } = {}) {
  const t0 = performance.now();
  const { stdout, stderr } = await promisify(execFile)(command, args, { ...options, maxBuffer: 64 * 1024 * 1024 });
  return { stdout, stderr, wall_ms: performance.now() - t0 };
}

/** utime + stime of a process in seconds, from /proc/<pid>/stat (NaN where there is no /proc). */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ
  } catch {
    return Number.NaN;
  }
}
