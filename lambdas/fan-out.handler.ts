// EventBridge → fan-out (delivery/accept-event.ts).
import middy from '@middy/core';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { acceptEvent, type FanOutResponse } from './delivery/accept-event.js';
import { fanOutGraph } from './wiring/delivery.js';

export type { FanOutResponse };

export const core = (event: EventBridgeEvent<string, unknown>): Promise<FanOutResponse> => {
  const graph = fanOutGraph();
  return acceptEvent(graph, event, { environment: graph.environment, now: new Date() });
};

export const handler = middy<EventBridgeEvent<string, unknown>, FanOutResponse, Error, Context>().handler(core);
