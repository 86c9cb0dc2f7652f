// Scheduled: re-queue parked delivery jobs that are due (delivery/sweeper.ts), and finish the
// queueing of events whose fan-out died after storing them (FanOut.finishAbandoned).
import { randomUUID } from 'node:crypto';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { sweeperGraph } from './delivery/delivery-deps.js';
import type { FinishResult } from './delivery/fan-out.js';
import type { SweepResult } from './delivery/sweeper.js';

export type SweeperResult = SweepResult & { fanOuts: FinishResult };

export const core = async (): Promise<SweeperResult> => {
  const { sweeper, fanOut, logger } = sweeperGraph();
  const [result, fanOuts] = await Promise.all([sweeper.requeueDue(), fanOut.finishAbandoned(`sweeper-${randomUUID()}`)]);
  if (result.requeued + result.refused > 0) logger.info('sweeper re-queued parked delivery jobs', { ...result });
  if (fanOuts.finished > 0) logger.warn('sweeper finished the queueing of events whose fan-out stopped midway', { ...fanOuts });
  return { ...result, fanOuts };
};

export const handler = middy<ScheduledEvent, SweeperResult, Error, Context>().handler(core);
