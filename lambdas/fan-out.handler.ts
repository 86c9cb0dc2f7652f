// EventBridge → fan-out (delivery/accept-event.ts).
import middy from '@middy/core';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { acceptEvent, type FanOutResponse } from './delivery/accept-event.js';
import { fanOutGraph } from './delivery/delivery-deps.js';
import { config } from './shared/config.js';

export type { FanOutResponse };

export const core = (event: EventBridgeEvent<string, unknown>): Promise<FanOutResponse> =>
  acceptEvent(fanOutGraph(), event, { environment: config().environment, now: new Date() });

export const handler = middy<EventBridgeEvent<string, unknown>, FanOutResponse, Error, Context>().handler(core);
