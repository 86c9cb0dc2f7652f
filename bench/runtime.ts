// The local runtime under test (`bin/local.ts`, what `npm start` runs) as a child process on free
// ports and a temporary DATA_DIR; SDK-call snapshots (SIGUSR2) and CPU time from /proc.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalState } from '../local/state-file.js';
import { ROOT } from './paths.js';
import { sleep } from './stats.js';

export type SdkCalls = Record<string, number>;

export type Runtime = {
  state: LocalState;
  dataDir: string;
  pid: number;
  env: Record<string, string>;
  /** Lines the runtime printed on stdout/stderr (after its banner). */
  lines(): string[];
  /** SIGUSR2 → $DATA_DIR/sdk-calls.json: the AWS API calls made so far, per service and operation. */
  sdkCalls(): Promise<SdkCalls>;
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
  const statePath = join(dataDir, 'local.json');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    DATA_DIR: dataDir,
    PORT: '0',
    EVENTS_PORT: '0',
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeFlags ?? []), '--import', 'tsx', join(ROOT, 'bin', 'local.ts')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );

  const cleanUp = () => rmSync(dataDir, { recursive: true, force: true });
  const deadline = Date.now() + 60_000;
  let state: LocalState | undefined;
  while (!state) {
    if (exitCode !== undefined) {
      cleanUp();
      throw new Error(`the local runtime exited (${exitCode}) before it was ready:\n${output}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      cleanUp();
      throw new Error(`the local runtime did not write ${statePath} within 60 s:\n${output}`);
    }
    if (existsSync(statePath)) {
      try {
        const parsed = JSON.parse(readFileSync(statePath, 'utf8')) as LocalState;
        if (parsed.pid === child.pid) state = parsed;
      } catch {
        // being written
      }
    }
    if (!state) await sleep(100);
  }
  const bannerEnd = output.length;
  const pid = child.pid!;
  const callsPath = join(dataDir, 'sdk-calls.json');

  return {
    state,
    dataDir,
    pid,
    env,
    lines: () =>
      output
        .slice(bannerEnd)
        .split('\n')
        .filter((l) => l.trim() !== ''),
    sdkCalls: async () => {
      const asked = Date.now();
      child.kill('SIGUSR2');
      const until = asked + 10_000;
      while (Date.now() < until) {
        try {
          const snapshot = JSON.parse(readFileSync(callsPath, 'utf8')) as { at: number; calls: SdkCalls };
          if (snapshot.at >= asked) return snapshot.calls;
        } catch {
          // not written yet, or being written
        }
        await sleep(20);
      }
      throw new Error('the local runtime did not answer SIGUSR2 with sdk-calls.json within 10 s');
    },
    cpuSeconds: () => processCpuSeconds(pid),
    assertRunning: () => {
      if (exitCode !== undefined) throw new Error(`the local runtime exited (${exitCode}) during the bench:\n${output.slice(bannerEnd).slice(-3000)}`);
    },
    stop: async () => {
      if (exitCode === undefined) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      cleanUp();
      return code;
    },
  };
}
