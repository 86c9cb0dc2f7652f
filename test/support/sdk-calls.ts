// The AWS API calls a running local runtime has made so far, per service and operation
// (the bench's SDK observer, on when the runtime runs with BENCH_SDK_OBSERVER=1: SIGUSR2 → $DATA_DIR/sdk-calls.json), to show what a request cost.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RuntimeProcess } from './runtime-process.js';
import { waitFor } from './wait-for.js';

export async function sdkCalls(rt: RuntimeProcess): Promise<Record<string, number>> {
  return (await sdkSnapshot(rt)).calls;
}

type Snapshot = { calls: Record<string, number>; dynamodb: { by_resource: Record<string, { calls: number }> } };

/**
 * The observer's snapshot. `measure`: switch per-table counting (dynamodb.by_resource, e.g.
 * "buildmarkets-api-keys.GetItem") on or off from now on.
 */
export async function sdkSnapshot(rt: RuntimeProcess, options: { measure?: boolean } = {}): Promise<Snapshot> {
  const path = join(rt.dataDir, 'sdk-calls.json');
  if (options.measure !== undefined) writeFileSync(join(rt.dataDir, 'sdk-observer-control.json'), JSON.stringify({ measure_capacity: options.measure }));
  rmSync(path, { force: true });
  rt.child.kill('SIGUSR2');
  return waitFor(
    () => {
      if (!existsSync(path)) return undefined;
      try {
        return JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
      } catch {
        return undefined; // being written
      }
    },
    { what: () => 'sdk-calls.json' },
  );
}
