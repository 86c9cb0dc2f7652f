// The one mapping from errors to HTTP: ApiError → its SPEC §2 status and code; anything else →
// 500 INTERNAL_ERROR carrying only the request id (the cause goes to the log, never the client).
// Also stamps X-Request-Id on every response.
import { randomUUID } from 'node:crypto';
import type middy from '@middy/core';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { ApiError } from '../domain/errors.js';
import type { Logger } from '../shared/logger.js';
import type { ApiEvent } from './api-event.js';
import { errorResponse } from './responses.js';

type Request = middy.Request<ApiEvent, APIGatewayProxyStructuredResultV2, Error, Context>;

export function errorEnvelope(logger: () => Logger): middy.MiddlewareObj<ApiEvent, APIGatewayProxyStructuredResultV2, Error, Context> {
  const stampRequestId = (request: Request) => {
    if (request.response) {
      request.response.headers = { ...request.response.headers, 'x-request-id': request.event.requestId ?? '' };
    }
  };
  return {
    before: (request) => {
      const event = request.event;
      event.requestId = event.requestContext?.requestId || randomUUID();
      // Headers carry credentials: the logger's redaction layer removes them before writing.
      logger().debug('request', { request_id: event.requestId, route: event.routeKey, path: event.rawPath, headers: event.headers });
    },
    after: stampRequestId,
    onError: (request) => {
      const error = request.error;
      const requestId = (request.event.requestId ??= randomUUID());
      if (error instanceof ApiError) {
        request.response = errorResponse(error, requestId);
      } else {
        logger().error('unhandled error', { request_id: requestId, route: request.event.routeKey, error });
        request.response = errorResponse(
          new ApiError('INTERNAL_ERROR', 'An unexpected error occurred. Quote the request_id if you contact support.'),
          requestId,
        );
      }
      stampRequestId(request);
    },
  };
}
