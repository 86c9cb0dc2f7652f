// Issue 19: CloudWatch Logs bytes per delivery at the stack's log level (info). The bench's runtime
// runs at LOG_LEVEL=warn, so this starts a second runtime at LOG_LEVEL=info for a short paced run
// and counts the bytes it prints (a line + its newline, as the function would write it to stdout)
// between the first publish and the last receipt.
import { progress } from './log.js';
import { Publisher, registerWebhooks, runPipeline } from './pipeline.js';
import { Receivers } from './receiver.js';
import { startRuntime } from './runtime.js';

/** Lines logged once per event (by the fan-out); every other line is counted per delivery. */
const PER_EVENT_MESSAGES = new Set(['event fanned out']);

export type InfoLogBytes = {
  log_level: 'info';
  events: number;
  delivered: number;
  lines: number;
  bytes: number;
  /** Bytes of per-event lines per event, and of the other lines per delivery. */
  bytes_per_event: number;
  bytes_per_delivery: number;
  by_message: Record<string, { lines: number; bytes: number }>;
};

export async function measureInfoLogBytes(options: { env: Record<string, string>; webhooks: number; rate: number; durationS: number; batch: number; maxInFlight: number }): Promise<InfoLogBytes> {
  const runtime = await startRuntime({ env: { ...options.env, LOG_LEVEL: 'info' } });
  let receivers: Receivers | undefined;
  let publisher: Publisher | undefined;
  try {
    receivers = await Receivers.start(options.webhooks);
    receivers.setSecrets((await registerWebhooks(runtime.state, receivers, options.webhooks)).secrets);
    publisher = new Publisher(runtime.state, options.maxInFlight);
    let start = 0;
    let end = 0;
    progress(`cost: info-level log bytes on a second runtime (LOG_LEVEL=info, pid ${runtime.pid})`);
    const run = await runPipeline({ runtime, receivers, publisher, webhooks: options.webhooks }, { rate: options.rate, durationS: options.durationS, batch: options.batch, drainTimeoutS: 60 }, {
      before: async () => void (start = runtime.lines().length),
      after: async () => {
        await new Promise((resolve) => setTimeout(resolve, 1000)); // the last batch's lines after its receipts
        end = runtime.lines().length;
      },
    });
    const byMessage: InfoLogBytes['by_message'] = {};
    let perEvent = 0;
    let perDelivery = 0;
    const lines = runtime.lines().slice(start, end);
    for (const line of lines) {
      const bytes = Buffer.byteLength(line) + 1;
      let message = '(unstructured)';
      try {
        message = String((JSON.parse(line) as { message?: unknown }).message);
      } catch {
        // not JSON
      }
      (byMessage[message] ??= { lines: 0, bytes: 0 }).lines++;
      byMessage[message]!.bytes += bytes;
      if (PER_EVENT_MESSAGES.has(message)) perEvent += bytes;
      else perDelivery += bytes;
    }
    const events = run.offered.events - run.publish_failed_events;
    return {
      log_level: 'info',
      events,
      delivered: run.delivered,
      lines: lines.length,
      bytes: perEvent + perDelivery,
      bytes_per_event: events > 0 ? perEvent / events : Number.NaN,
      bytes_per_delivery: run.delivered > 0 ? perDelivery / run.delivered : Number.NaN,
      by_message: byMessage,
    };
  } finally {
    publisher?.destroy();
    await receivers?.stop().catch(() => {});
    await runtime.stop();
  }
}
