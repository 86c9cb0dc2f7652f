// The local runtime under test (bin/local.ts) as a child process on free ports and a temporary
// DATA_DIR, with the bench's SDK observer attached (BENCH_SDK_OBSERVER=1): counter snapshots on
// SIGUSR2, CPU time from /proc. Also SDK clients pointed at it.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { removeDataDir, startRuntime as launchRuntime } from '../local/runtime-process.js';
import type { LocalState } from '../local/state-file.js';
import { waitFor } from '../local/wait-for.js';
import { processCpuSeconds } from './util.js';
import { CONTROL_FILE, type ObserverSnapshot, SNAPSHOT_FILE } from './sdk-observer.js';

export type Runtime = Awaited<ReturnType<typeof startRuntime>>;

export async function startRuntime(options: { env: Record<string, string>; nodeFlags?: string[] }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'bmw-bench-'));
  const env: Record<string, string> = { LOG_LEVEL: 'warn', ...options.env, BENCH_SDK_OBSERVER: '1' };
  const rt = await launchRuntime({ dataDir, env, nodeFlags: options.nodeFlags }).catch((error: unknown) => {
    removeDataDir(dataDir);
    throw error;
  });
  const { child, state } = rt;
  const bannerEnd = rt.output().length;
  const readSnapshot = (asked: number) => {
    try {
      const snapshot = JSON.parse(readFileSync(join(dataDir, SNAPSHOT_FILE), 'utf8')) as ObserverSnapshot;
      return snapshot.at >= asked ? snapshot : undefined;
    } catch {
      return undefined; // not written yet, or being written
    }
  };
  return {
    state,
    dataDir,
    pid: child.pid!,
    env,
    /** Lines printed on stdout/stderr after the banner. */
    lines: () => rt.output().slice(bannerEnd).split('\n').filter((l) => l.trim() !== ''),
    /** The observer's counters so far; `measureCapacity` switches DynamoDB unit measurement on or off first. */
    snapshot: async ({ measureCapacity }: { measureCapacity?: boolean } = {}): Promise<ObserverSnapshot> => {
      if (measureCapacity !== undefined) writeFileSync(join(dataDir, CONTROL_FILE), JSON.stringify({ measure_capacity: measureCapacity }));
      const asked = Date.now();
      child.kill('SIGUSR2');
      return waitFor(() => readSnapshot(asked), { timeoutMs: 10_000, intervalMs: 20, what: () => 'sdk-calls.json after SIGUSR2' });
    },
    cpuSeconds: () => processCpuSeconds(child.pid!),
    assertRunning: () => {
      if (child.exitCode === null && child.signalCode === null) return;
      throw new Error(`the local runtime exited (${child.exitCode ?? child.signalCode}) during the bench:\n${rt.output().slice(bannerEnd).slice(-3000)}`);
    },
    /** SIGTERM, wait for the exit, remove the data dir; the exit code. */
    stop: async () => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await rt.stop();
      clearTimeout(timer);
      removeDataDir(dataDir);
      return code;
    },
  };
}

/** A runtime of its own for `run`, stopped after it. */
export async function withRuntime<T>(env: Record<string, string>, run: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await startRuntime({ env });
  try {
    return await run(runtime);
  } finally {
    await runtime.stop();
  }
}

/** SDK clients on a running local runtime; `destroy()` them after use. */
export function localClients(state: LocalState) {
  const config = { region: state.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const dynamodb = new DynamoDBClient({ ...config, endpoint: state.dynamodb_endpoint });
  const clients = {
    dynamodb,
    db: DynamoDBDocumentClient.from(dynamodb),
    sqs: new SQSClient({ ...config, endpoint: state.sqs_endpoint }),
    events: new EventBridgeClient({ ...config, endpoint: state.events_url }),
  };
  return { ...clients, destroy: () => Object.values(clients).forEach((c) => c.destroy()) };
}
