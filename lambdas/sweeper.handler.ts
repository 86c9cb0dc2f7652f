// Scheduled: re-queue parked delivery jobs that are due, report how far that lags (SweepLag), and
// finish the queueing of events whose fan-out died after storing them (delivery/sweep.ts).
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { sweep, type SweeperResult } from './delivery/sweep.js';
import { sweeperGraph } from './wiring/delivery.js';

export type { SweeperResult };

export const core = (): Promise<SweeperResult> => sweep(sweeperGraph());

export const handler = middy<ScheduledEvent, SweeperResult, Error, Context>().handler(core);
