// Scheduled: re-queue parked delivery jobs that are due (see delivery/sweeper.ts).
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { sweeperGraph } from './delivery/delivery-deps.js';
import type { SweepResult } from './delivery/sweeper.js';

export const core = async (): Promise<SweepResult> => {
  const { sweeper, logger } = sweeperGraph();
  const result = await sweeper.requeueDue();
  if (result.requeued + result.refused > 0) logger.info('sweeper re-queued parked delivery jobs', { ...result });
  return result;
};

export const handler = middy<ScheduledEvent, SweepResult, Error, Context>().handler(core);
