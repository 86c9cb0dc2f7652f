// The AWS API calls a running local runtime has made so far, per service and operation
// (the bench's SDK observer, on when the runtime runs with BENCH_SDK_OBSERVER=1: SIGUSR2 → $DATA_DIR/sdk-calls.json), to show what a request cost.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RuntimeProcess } from './runtime-process.js';
import { waitFor } from './wait-for.js';

export async function sdkCalls(rt: RuntimeProcess): Promise<Record<string, number>> {
  const path = join(rt.dataDir, 'sdk-calls.json');
  rmSync(path, { force: true });
  rt.child.kill('SIGUSR2');
  return waitFor(
    () => {
      if (!existsSync(path)) return undefined;
      try {
        return (JSON.parse(readFileSync(path, 'utf8')) as { calls: Record<string, number> }).calls;
      } catch {
        return undefined; // being written
      }
    },
    { what: () => 'sdk-calls.json' },
  );
}
