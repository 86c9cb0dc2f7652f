// Scheduled: re-queue parked delivery jobs that are due, report how far that lags (SweepLag), and
// finish the queueing of events whose fan-out died after storing them (delivery/sweep.ts). The
// schedule's input names the part of the due shards this invocation sweeps (`{"part": 0,
// "parts": 4}`); without one it sweeps them all.
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { sweep, sweepPartOf, type SweeperResult } from './delivery/sweep.js';
import type { SweepPart } from './delivery/sweeper.js';
import { sweeperGraph } from './wiring/delivery.js';

export type { SweeperResult };

export const core = (event: unknown = {}): Promise<SweeperResult> => {
  const graph = sweeperGraph();
  return sweep(graph, sweepPartOf(event, graph.logger));
};

export const handler = middy<ScheduledEvent | SweepPart, SweeperResult, Error, Context>().handler(core);
