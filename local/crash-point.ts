// A test seam of the local runtime only (nothing in lambdas/ knows of it): with
// LOCAL_CRASH_BEFORE_QUEUE_SEND=N the process kills itself (SIGKILL, no clean-up, as kill -9)
// right before its Nth SendMessageBatch, i.e. after the fan-out stored an event and before any of
// its jobs reached the queue: the exact window a crash-safety test needs, not a random one.
import { addClientHook } from '../lambdas/shared/client-hooks.js';

export function installCrashBeforeQueueSend(nth: number): void {
  let sends = 0;
  addClientHook((client, service) => {
    if (service !== 'SQS') return;
    client.middlewareStack.add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
        if (context.commandName === 'SendMessageBatchCommand' && ++sends === nth) {
          process.stderr.write(`LOCAL_CRASH_BEFORE_QUEUE_SEND=${nth}: killing the runtime before SendMessageBatch #${nth}\n`);
          process.kill(process.pid, 'SIGKILL');
          await new Promise(() => undefined); // the signal lands before anything else runs
        }
        return next(args);
      },
      { step: 'initialize', name: 'localCrashBeforeQueueSend' },
    );
  });
}
