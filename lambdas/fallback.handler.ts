// API Gateway `$default` route: whatever no route matches. 405 with Allow for a known path and
// the wrong method, 404 NOT_FOUND otherwise — always in the error envelope.
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { ApiError } from './domain/errors.js';
import { errorEnvelope } from './http/error-envelope.js';
import { matchRoute } from './routes.js';
import { apiGraph } from './wiring/api.js';

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>()
  .use(errorEnvelope(() => apiGraph().logger))
  .handler(async (event) => {
    const match = matchRoute(event.requestContext.http.method, event.rawPath);
    if (match.kind === 'method-not-allowed') {
      throw new ApiError('METHOD_NOT_ALLOWED', `Method ${event.requestContext.http.method.slice(0, 16)} is not allowed here.`, undefined, {
        allow: match.allow.join(', '),
      });
    }
    throw new ApiError('NOT_FOUND', 'No such route.');
  });
