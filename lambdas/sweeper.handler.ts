// Scheduled: re-queue parked delivery jobs that are due (delivery/sweeper.ts), report how far it
// lags (SweepLag), and finish the queueing of events whose fan-out died after storing them
// (FanOut.finishAbandoned).
import { randomUUID } from 'node:crypto';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { sweeperGraph } from './delivery/delivery-deps.js';
import type { FinishResult } from './delivery/fan-out.js';
import { SWEEP_LAG_METRIC, type SweepResult } from './delivery/sweeper.js';
import { config } from './shared/config.js';
import { emfLines } from './shared/emf.js';

export type SweeperResult = SweepResult & { fanOuts: FinishResult };

export const core = async (): Promise<SweeperResult> => {
  const { sweeper, fanOut, logger } = sweeperGraph();
  const started = Date.now();
  const [result, fanOuts] = await Promise.all([sweeper.requeueDue(), fanOut.finishAbandoned(`sweeper-${randomUUID()}`)]);
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

export const handler = middy<ScheduledEvent, SweeperResult, Error, Context>().handler(core);
