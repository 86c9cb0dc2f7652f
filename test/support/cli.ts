// Runs one of the repository's CLIs with only PATH, HOME and DATA_DIR in its environment; resolves
// with its exit code and output. By default its prebuilt bundle (test/support/prebuilt.ts);
// `fromSource` runs bin/<script>.ts with tsx, as a user would from the README.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PREBUILT_ENV, prebuilt } from './prebuilt.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export type CliResult = { code: number | null; stdout: string; stderr: string };
export type CliScript = 'keys' | 'publish' | 'dlq';

export function runCli(script: CliScript, args: string[], dataDir: string, options: { fromSource?: boolean } = {}): Promise<CliResult> {
  const entry = options.fromSource ? ['--import', 'tsx', join('bin', `${script}.ts`)] : prebuilt(script);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...entry, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: dataDir, ...(options.fromSource ? {} : PREBUILT_ENV) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
