// Child processes the bench runs to completion (the long-lived ones have their own handles:
// runtime.ts, receiver.ts), and any process's CPU time.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export type ProcessResult = { code: number | null; stdout: string; stderr: string; wall_ms: number };
type RunOptions = { env?: Record<string, string>; cwd?: string };

export function runProcess(command: string, args: string[], options: RunOptions = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let [stdout, stderr] = ['', ''];
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, wall_ms: performance.now() - started }));
  });
}

/** Like runProcess, but a non-zero exit is an error carrying the first lines of stderr. */
export async function runProcessOk(command: string, args: string[], options: RunOptions = {}): Promise<ProcessResult> {
  const result = await runProcess(command, args, options);
  if (result.code !== 0) {
    const detail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(0, 5).join(' | ');
    throw new Error(`${[command, ...args].join(' ').slice(0, 200)} exited ${result.code}: ${detail}`);
  }
  return result;
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
