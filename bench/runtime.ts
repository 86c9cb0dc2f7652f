// The local runtime under test (`bin/local.ts`, what `npm start` runs) as a child process on free
// ports and a temporary DATA_DIR, with the bench's SDK observer attached (BENCH_SDK_OBSERVER=1,
// bench/sdk-observer.ts): snapshots of its counters on SIGUSR2, and CPU time from /proc.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime as launchRuntime, type RuntimeProcess } from '../local/runtime-process.js';
import type { LocalState } from '../local/state-file.js';
import { waitFor } from '../local/wait-for.js';
import { CONTROL_FILE, type ObserverSnapshot, SNAPSHOT_FILE } from './sdk-observer.js';

export type SdkCalls = Record<string, number>;

export type Runtime = {
  state: LocalState;
  dataDir: string;
  pid: number;
  env: Record<string, string>;
  /** Lines the runtime printed on stdout/stderr (after its banner). */
  lines(): string[];
  /**
   * SIGUSR2 → $DATA_DIR/sdk-calls.json: the observer's counters so far (AWS API calls, SQS billed
   * requests, DynamoDB units). `measureCapacity` switches DynamoDB unit measurement on or off first.
   */
  snapshot(options?: { measureCapacity?: boolean }): Promise<ObserverSnapshot>;
  /** CPU seconds (user + system, all threads) the runtime process has used so far. */
  cpuSeconds(): number;
  /** Throws if the runtime has exited (crashed) while the bench needs it. */
  assertRunning(): void;
  /** SIGTERM, wait for the exit, remove the data dir. Returns the exit code. */
  stop(): Promise<number | null>;
};

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** utime + stime of a process in seconds, from /proc/<pid>/stat (NaN where there is no /proc). */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

export async function startRuntime(options: { env: Record<string, string>; nodeFlags?: string[] }): Promise<Runtime> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bmw-bench-'));
  const env: Record<string, string> = { LOG_LEVEL: 'warn', ...options.env, BENCH_SDK_OBSERVER: '1' };
  let rt: RuntimeProcess;
  try {
    rt = await launchRuntime({ dataDir, env, nodeFlags: options.nodeFlags });
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const { child, state } = rt;
  const bannerEnd = rt.output().length;
  const pid = child.pid!;
  const snapshotPath = join(dataDir, SNAPSHOT_FILE);

  return {
    state,
    dataDir,
    pid,
    env,
    lines: () =>
      rt
        .output()
        .slice(bannerEnd)
        .split('\n')
        .filter((l) => l.trim() !== ''),
    snapshot: async ({ measureCapacity } = {}) => {
      if (measureCapacity !== undefined) writeFileSync(join(dataDir, CONTROL_FILE), JSON.stringify({ measure_capacity: measureCapacity }));
      const asked = Date.now();
      child.kill('SIGUSR2');
      return waitFor(
        () => {
          try {
            const snapshot = JSON.parse(readFileSync(snapshotPath, 'utf8')) as ObserverSnapshot;
            return snapshot.at >= asked ? snapshot : undefined;
          } catch {
            return undefined; // not written yet, or being written
          }
        },
        { timeoutMs: 10_000, intervalMs: 20, what: () => 'sdk-calls.json after SIGUSR2' },
      );
    },
    cpuSeconds: () => processCpuSeconds(pid),
    assertRunning: () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`the local runtime exited (${child.exitCode ?? child.signalCode}) during the bench:\n${rt.output().slice(bannerEnd).slice(-3000)}`);
      }
    },
    stop: async () => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await rt.stop();
      clearTimeout(timer);
      rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}
