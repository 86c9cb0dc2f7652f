// Starts the local runtime (`bin/local.ts`, what `npm start` runs) as a child process on free
// ports and a temporary DATA_DIR, and waits until it has written its local.json. Used by the
// integration tests and the bench.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalState } from './state-file.js';
import { waitFor } from './wait-for.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export type RuntimeProcess = {
  state: LocalState;
  dataDir: string;
  child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM and wait for a clean exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: no clean-up at all, as a crash. */
  kill9(): Promise<void>;
};

export function makeDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'bmw-test-'));
}

export function removeDataDir(dataDir: string): void {
  rmSync(dataDir, { recursive: true, force: true });
}

export type RuntimeLaunch = {
  env?: Record<string, string>;
  nodeFlags?: string[];
  /** Node's arguments that run a bundle of bin/local.ts instead of the source through tsx (the tests' prebuilt runtime). */
  bundle?: string[];
};

/** `npm start`'s process on free ports and `dataDir`, not waited for; `exited` says how it ended. */
export function spawnRuntime(dataDir: string, options: RuntimeLaunch = {}) {
  let output = '';
  const script = options.bundle ?? ['--import', 'tsx', join(ROOT, 'bin', 'local.ts')];
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), ...script], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATA_DIR: dataDir,
      PORT: '0',
      EVENTS_PORT: '0',
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited, output: () => output };
}

export async function startRuntime(options: RuntimeLaunch & { dataDir?: string } = {}): Promise<RuntimeProcess> {
  const dataDir = options.dataDir ?? makeDataDir();
  const statePath = join(dataDir, 'local.json');
  const { child, output, exited: ended } = spawnRuntime(dataDir, options);
  const exited = ended.then(({ code }) => code);
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));

  const readState = (): LocalState | undefined => {
    if (!existsSync(statePath)) return undefined;
    try {
      const state = JSON.parse(readFileSync(statePath, 'utf8')) as LocalState;
      return state.pid === child.pid ? state : undefined;
    } catch {
      return undefined; // being written
    }
  };
  let state: LocalState;
  try {
    state = await waitFor(
      () => {
        if (exitCode !== undefined) throw new Error(`local runtime exited (${exitCode}) before it was ready:\n${output()}`);
        return readState();
      },
      { timeoutMs: 20_000, intervalMs: 25, what: () => `local runtime start:\n${output()}` }, // a file check: cheap, and every start waits on it
    );
  } catch (error) {
    // A failed start leaves neither a process nor (when we made it) a temp data dir behind.
    if (exitCode === undefined) child.kill('SIGKILL');
    await exited;
    if (!options.dataDir) removeDataDir(dataDir);
    throw error;
  }

  return {
    state,
    dataDir,
    child,
    output,
    stop: async () => {
      if (exitCode === undefined) child.kill('SIGTERM');
      return exited;
    },
    kill9: async () => {
      if (exitCode === undefined) child.kill('SIGKILL');
      await exited;
    },
  };
}
