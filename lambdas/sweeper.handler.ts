// Scheduled: re-queue parked delivery jobs that are due (see delivery/sweeper.ts).
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { sweeperGraph } from './delivery/delivery-deps.js';
import { SWEEP_LAG_METRIC, type SweepResult } from './delivery/sweeper.js';
import { config } from './shared/config.js';
import { emfLines } from './shared/emf.js';

export const core = async (): Promise<SweepResult> => {
  const { sweeper, logger } = sweeperGraph();
  const started = Date.now();
  const result = await sweeper.requeueDue();
  const { metrics } = config();
  if (metrics.enabled) {
    const lag = result.oldestDueAt === undefined ? 0 : Math.max(0, started - result.oldestDueAt);
    for (const line of emfLines(metrics.namespace, { Function: 'sweeper' }, [{ name: SWEEP_LAG_METRIC, unit: 'Milliseconds', values: [lag] }], started)) {
      process.stdout.write(`${line}\n`);
    }
  }
  if (result.requeued + result.refused > 0) logger.info('sweeper re-queued parked delivery jobs', { ...result });
  return result;
};

export const handler = middy<ScheduledEvent, SweepResult, Error, Context>().handler(core);
