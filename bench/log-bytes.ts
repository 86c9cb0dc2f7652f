// CloudWatch Logs bytes at the stack's log level (info), from a second runtime at LOG_LEVEL=info (the bench's
// runs at warn): the bytes it prints (a line + its newline) between the first publish and the last receipt.
import { closePipeline, openPipeline, runPipeline } from './pipeline.js';
import { withRuntime } from './runtime.js';
import { parseLogLine, progress, sleep } from './util.js';

/** Lines logged once per event (by the fan-out); every other line is counted per delivery. */
const PER_EVENT_MESSAGES = new Set(['event fanned out']);

function countBytes(lines: string[]) {
  const byMessage: Record<string, { lines: number; bytes: number }> = {};
  let [perEvent, perDelivery] = [0, 0];
  for (const line of lines) {
    const bytes = Buffer.byteLength(line) + 1;
    const log = parseLogLine(line);
    const message = log ? String(log.message) : '(unstructured)';
    const entry = (byMessage[message] ??= { lines: 0, bytes: 0 });
    entry.lines++;
    entry.bytes += bytes;
    if (PER_EVENT_MESSAGES.has(message)) perEvent += bytes;
    else perDelivery += bytes;
  }
  return { byMessage, perEvent, perDelivery };
}

export function measureInfoLogBytes(options: { env: Record<string, string>; webhooks: number; rate: number; durationS: number; batch: number; maxInFlight: number }) {
  return withRuntime({ ...options.env, LOG_LEVEL: 'info' }, async (runtime) => {
    const pc = await openPipeline(runtime, options.webhooks, options.maxInFlight);
    try {
      let [start, end] = [0, 0];
      progress(`cost: info-level log bytes on a second runtime (LOG_LEVEL=info, pid ${runtime.pid})`);
      const run = await runPipeline(pc, { rate: options.rate, durationS: options.durationS, batch: options.batch, drainTimeoutS: 60 }, {
        before: async () => void (start = runtime.lines().length),
        after: async () => {
          await sleep(1000); // the last batch's lines come after its receipts
          end = runtime.lines().length;
        },
      });
      const lines = runtime.lines().slice(start, end);
      const { byMessage, perEvent, perDelivery } = countBytes(lines);
      const events = run.offered.events - run.publish_failed_events;
      return {
        log_level: 'info' as const, events, delivered: run.delivered, lines: lines.length, bytes: perEvent + perDelivery,
        /** Bytes of per-event lines per event, and of the other lines per delivery. */
        bytes_per_event: events > 0 ? perEvent / events : Number.NaN,
        bytes_per_delivery: run.delivered > 0 ? perDelivery / run.delivered : Number.NaN,
        by_message: byMessage,
      };
    } finally {
      await closePipeline(pc);
    }
  });
}
