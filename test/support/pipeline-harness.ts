// What the delivery integration tests share: the real local runtime (with their settings), a
// loopback receiver, and API and AWS clients pointed at them — started together, stopped together.
import { apiClient } from './api-client.js';
import { localAws } from './local-aws.js';
import { type Receiver, startReceiver } from './receiver.js';
import { removeDataDir, type RuntimeProcess, startRuntime } from './runtime-process.js';

export type PipelineHarness = {
  rt: RuntimeProcess;
  receiver: Receiver;
  call: ReturnType<typeof apiClient>;
  aws: ReturnType<typeof localAws>;
  /** Closes the clients and the receiver, stops the runtime (asserting a clean exit) and removes its data. */
  stop(): Promise<void>;
};

/** The delivery tests poll the API (history, jobs) as fast as they like; the limits have their own tests. */
const UNLIMITED = { RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_PER_MINUTE: '1000000' };

export async function startPipeline(settings: Record<string, string>): Promise<PipelineHarness> {
  const env = { ...UNLIMITED, ...settings };
  const receiver = await startReceiver();
  // A runtime that fails to start must not leave the receiver open (jest would never exit).
  const rt = await startRuntime({ env }).catch(async (error: unknown) => {
    await receiver.close();
    throw error;
  });
  const aws = localAws(rt.state);
  return {
    rt,
    receiver,
    call: apiClient(rt.state),
    aws,
    stop: async () => {
      aws.destroy();
      await receiver.close();
      expect(await rt.stop()).toBe(0);
      removeDataDir(rt.dataDir);
    },
  };
}
