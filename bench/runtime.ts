// The local runtime under test (bin/local.ts) as a child process on free ports and a temporary DATA_DIR, with the
// bench's SDK observer attached (BENCH_SDK_OBSERVER=1); SDK clients pointed at it.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { makeDataDir, removeDataDir, startRuntime as launchRuntime } from '../local/runtime-process.js';
import type { LocalState } from '../local/state-file.js';
import { sdkSnapshot } from '../test/support/sdk-calls.js';
import type { ObserverSnapshot } from '../local/sdk-observer.js';
import { processCpuSeconds } from './util.js';

export type Runtime = Awaited<ReturnType<typeof startRuntime>>;

export async function startRuntime(options: { env: Record<string, string> }) {
  const dataDir = makeDataDir();
  const rt = await launchRuntime({ dataDir, env: { LOG_LEVEL: 'warn', ...options.env, BENCH_SDK_OBSERVER: '1' } }).catch((error: unknown) => {
    removeDataDir(dataDir);
    throw error;
  });
  const { child, state } = rt;
  const bannerEnd = rt.output().length;
  return {
    state,
    dataDir,
    pid: child.pid!,
    lines: () => rt.output().slice(bannerEnd).split('\n').filter((l) => l.trim() !== ''),
    /** The observer's counters so far; `measureCapacity` switches DynamoDB unit measurement on or off first. */
    snapshot: async ({ measureCapacity: measure }: { measureCapacity?: boolean } = {}) => (await sdkSnapshot(rt, { measure })) as ObserverSnapshot,
    cpuSeconds: () => processCpuSeconds(child.pid!),
    assertRunning: () => {
      if (child.exitCode === null && child.signalCode === null) return;
      throw new Error(`the local runtime exited (${child.exitCode ?? child.signalCode}) during the bench:\n${rt.output().slice(bannerEnd).slice(-3000)}`);
    },
    stop: async () => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await rt.stop();
      clearTimeout(timer);
      removeDataDir(dataDir);
      return code;
    },
  };
}

export async function withRuntime<T>(env: Record<string, string>, run: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await startRuntime({ env });
  try {
    return await run(runtime);
  } finally {
    await runtime.stop();
  }
}

export function localClients(state: LocalState) {
  const config = { region: state.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const dynamodb = new DynamoDBClient({ ...config, endpoint: state.dynamodb_endpoint });
  const clients = { dynamodb, db: DynamoDBDocumentClient.from(dynamodb), sqs: new SQSClient({ ...config, endpoint: state.sqs_endpoint }) };
  return { ...clients, destroy: () => Object.values(clients).forEach((c) => c.destroy()) };
}
