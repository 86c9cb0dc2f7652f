// A SIGTERM at any moment of `npm start`'s start-up stops the runtime cleanly (exit 0): a script
// or test that stops it as soon as it is ready, or while it is still starting, never kills it
// with its files half-written.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDataDir, removeDataDir } from '../support/runtime-process.js';
import { waitFor } from '../support/wait-for.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

it('exits 0 on a SIGTERM that comes while it is still starting, after finishing the start', async () => {
  const dataDir = makeDataDir();
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin', 'local.ts')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: dataDir, PORT: '0', EVENTS_PORT: '0', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    // The SQS emulator's directory: made mid-start, before the API or the state file exist.
    await waitFor(() => existsSync(join(dataDir, 'sqs')), { timeoutMs: 20_000, what: () => `the start to begin:\n${output}` });
    child.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(output).toContain('SIGTERM: stopping');
  } finally {
    removeDataDir(dataDir);
  }
}, 60_000);
