// One scheduled run of the sweeper function: re-queue parked delivery jobs that are due
// (sweeper.ts), report how far it lags (SweepLag), and finish the queueing of events whose
// fan-out died after storing them (FanOut.finishAbandoned). The handler hands in the graph
// (wiring/delivery.ts sweeperGraph) and the part of the due shards it names (stage option
// sweeperParts: that many invocations a minute; part 0 also finishes the fan-outs).
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { DUE_SHARDS } from '../stores/table-definitions.js';
import type { Config } from '../shared/config.js';
import { emfLines } from '../shared/emf.js';
import type { Logger } from '../shared/logger.js';
import type { FanOut, FinishResult } from './fan-out.js';
import { SWEEP_LAG_METRIC, type Sweeper, type SweepPart, type SweepResult, WHOLE_SWEEP } from './sweeper.js';

export type SweeperResult = SweepResult & { fanOuts: FinishResult };

export type SweepDeps = {
  sweeper: Pick<Sweeper, 'requeueDue'>;
  fanOut: Pick<FanOut, 'finishAbandoned'>;
  logger: Logger;
  metrics: Config['metrics'];
};

const sweepPartSchema = z
  .object({ part: z.number().int().min(0), parts: z.number().int().min(1).max(DUE_SHARDS) })
  .refine((p) => p.part < p.parts, { message: 'part must be below parts' });

/** The part of the due shards named by the schedule's input; an event without one (or a wrong one: logged) sweeps them all. */
export function sweepPartOf(event: unknown, logger: Logger): SweepPart {
  if (!event || typeof event !== 'object' || !('parts' in event)) return WHOLE_SWEEP;
  const parsed = sweepPartSchema.safeParse(event);
  if (parsed.success) return parsed.data;
  logger.error('sweeper input is not a part of the due shards; sweeping all of them', { error: parsed.error.issues.map((i) => i.message).join('; ') });
  return WHOLE_SWEEP;
}

export async function sweep(deps: SweepDeps, part: SweepPart = WHOLE_SWEEP): Promise<SweeperResult> {
  const { sweeper, fanOut, logger, metrics } = deps;
  const started = Date.now();
  const [result, fanOuts] = await Promise.all([
    sweeper.requeueDue(part),
    part.part === 0 ? fanOut.finishAbandoned(`sweeper-${randomUUID()}`) : Promise.resolve({ finished: 0, enqueued: 0 }),
  ]);
  if (metrics.enabled) {
    const lag = result.oldestDueAt === undefined ? 0 : Math.max(0, started - result.oldestDueAt);
    for (const line of emfLines(metrics.namespace, { Function: 'sweeper' }, [{ name: SWEEP_LAG_METRIC, unit: 'Milliseconds', values: [lag] }], started)) {
      process.stdout.write(`${line}\n`);
    }
  }
  if (result.requeued + result.refused > 0) logger.info('sweeper re-queued parked delivery jobs', { ...result });
  if (fanOuts.finished > 0) logger.warn('sweeper finished the queueing of events whose fan-out stopped midway', { ...fanOuts });
  return { ...result, fanOuts };
}
