// Scheduled: re-queue pending delivery jobs whose SQS message was lost (see delivery/sweeper.ts).
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import type { SweepResult } from './delivery/sweeper.js';
import { deps } from './shared/deps.js';

export const core = async (): Promise<SweepResult> => {
  const d = deps();
  const result = await d.sweeper.requeueOverdue(d.config.sweepGraceSeconds * 1000);
  if (result.requeued > 0) d.logger.warn('sweeper re-queued overdue delivery jobs', { ...result });
  return result;
};

export const handler = middy<ScheduledEvent, SweepResult, Error, Context>().handler(core);
