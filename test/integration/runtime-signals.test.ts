// A SIGTERM at any moment of `npm start`'s start-up stops the runtime cleanly (exit 0): a script
// or test that stops it as soon as it is ready, or while it is still starting, never kills it
// with its files half-written.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeDataDir, removeDataDir, spawnRuntime } from '../support/runtime-process.js';
import { waitFor } from '../support/wait-for.js';

it('exits 0 on a SIGTERM that comes while it is still starting, after finishing the start', async () => {
  const dataDir = makeDataDir();
  try {
    const { child, exited, output } = spawnRuntime(dataDir);
    // The SQS emulator's directory: made mid-start, before the API or the state file exist.
    await waitFor(() => existsSync(join(dataDir, 'sqs')), { timeoutMs: 20_000, what: () => `the start to begin:\n${output()}` });
    child.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(output()).toContain('SIGTERM: stopping');
  } finally {
    removeDataDir(dataDir);
  }
}, 60_000);
