// The bench's one way to run a child process to completion: its exit code, its output and how
// long it took from spawn to exit. (The long-lived children — the runtime, the receivers — have
// their own handles: bench/runtime.ts, bench/receiver.ts.)
import { spawn } from 'node:child_process';

export type ProcessResult = { code: number | null; stdout: string; stderr: string; wall_ms: number };

export function runProcess(command: string, args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, wall_ms: performance.now() - started }));
  });
}

/** Like runProcess, but a non-zero exit is an error carrying the first lines of stderr. */
export async function runProcessOk(command: string, args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<ProcessResult> {
  const result = await runProcess(command, args, options);
  if (result.code !== 0) {
    const detail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(0, 5).join(' | ');
    throw new Error(`${[command, ...args].join(' ').slice(0, 200)} exited ${result.code}: ${detail}`);
  }
  return result;
}
