// Scheduled: re-queue parked delivery jobs that are due (delivery/sweeper.ts), report how far it
// lags (SweepLag), and finish the queueing of events whose fan-out died after storing them
// (FanOut.finishAbandoned). The schedule's input names the part of the due shards this invocation
// sweeps (`{"part": 0, "parts": 4}`); part 0 also finishes the fan-outs. Without one it sweeps all.
import { randomUUID } from 'node:crypto';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { sweeperGraph } from './delivery/delivery-deps.js';
import type { FinishResult } from './delivery/fan-out.js';
import { z } from 'zod';
import { SWEEP_LAG_METRIC, type SweepPart, type SweepResult, WHOLE_SWEEP } from './delivery/sweeper.js';
import { DUE_SHARDS } from './stores/table-definitions.js';
import { config } from './shared/config.js';
import { emfLines } from './shared/emf.js';

export type SweeperResult = SweepResult & { fanOuts: FinishResult };

const sweepPartSchema = z
  .object({ part: z.number().int().min(0), parts: z.number().int().min(1).max(DUE_SHARDS) })
  .refine((p) => p.part < p.parts, { message: 'part must be below parts' });

export const core = async (event: unknown = {}): Promise<SweeperResult> => {
  const { sweeper, fanOut, logger } = sweeperGraph();
  const started = Date.now();
  const part = sweepPartOf(event, logger);
  const [result, fanOuts] = await Promise.all([
    sweeper.requeueDue(part),
    part.part === 0 ? fanOut.finishAbandoned(`sweeper-${randomUUID()}`) : Promise.resolve({ finished: 0, enqueued: 0 }),
  ]);
  const { metrics } = config();
  if (metrics.enabled) {
    const lag = result.oldestDueAt === undefined ? 0 : Math.max(0, started - result.oldestDueAt);
    for (const line of emfLines(metrics.namespace, { Function: 'sweeper' }, [{ name: SWEEP_LAG_METRIC, unit: 'Milliseconds', values: [lag] }], started)) {
      process.stdout.write(`${line}\n`);
    }
  }
  if (result.requeued + result.refused > 0) logger.info('sweeper re-queued parked delivery jobs', { ...result });
  if (fanOuts.finished > 0) logger.warn('sweeper finished the queueing of events whose fan-out stopped midway', { ...fanOuts });
  return { ...result, fanOuts };
};

/** The part of the due shards named by the schedule's input; a schedule event without one (or a wrong one: logged) sweeps them all. */
function sweepPartOf(event: unknown, logger: ReturnType<typeof sweeperGraph>['logger']): SweepPart {
  if (!event || typeof event !== 'object' || !('parts' in event)) return WHOLE_SWEEP;
  const parsed = sweepPartSchema.safeParse(event);
  if (parsed.success) return parsed.data;
  logger.error('sweeper input is not a part of the due shards; sweeping all of them', { error: parsed.error.issues.map((i) => i.message).join('; ') });
  return WHOLE_SWEEP;
}

export const handler = middy<ScheduledEvent | SweepPart, SweeperResult, Error, Context>().handler(core);
