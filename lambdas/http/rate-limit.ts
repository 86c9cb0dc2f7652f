// 429 RATE_LIMITED with Retry-After once the caller's API key exceeds its limits.
import type middy from '@middy/core';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { ApiError } from '../domain/errors.js';
import type { RateLimiter } from '../domain/rate-limiter.js';
import type { ApiEvent } from './api-event.js';

export function rateLimit(limiter: () => RateLimiter): middy.MiddlewareObj<ApiEvent, APIGatewayProxyStructuredResultV2, Error, Context> {
  return {
    before: async (request) => {
      const principal = request.event.principal;
      if (!principal) return;
      const decision = await limiter().check(principal.apiKey);
      if (!decision.allowed) {
        throw new ApiError('RATE_LIMITED', `Too many requests for this API key; retry after ${decision.retryAfterSeconds} s.`, undefined, {
          'retry-after': String(decision.retryAfterSeconds),
        });
      }
    },
  };
}
