// SQS (slow lane: endpoints that answer slowly, SPEC §9) → delivery attempts, with their own
// queue, function and concurrency. See delivery/deliver-batch.ts.
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { deliverBatch } from './delivery/deliver-batch.js';
import { deliveryGraph } from './wiring/delivery.js';

export const core = (event: SQSEvent): Promise<SQSBatchResponse> => deliverBatch(event, 'slow', deliveryGraph());

export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>().handler(core);
