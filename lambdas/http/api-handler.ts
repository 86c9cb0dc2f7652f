// Builds a route's Lambda handler: middy with the shared middlewares around a small core.
// Cores receive typed, validated input and return a response; they never see raw events.
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import type { Principal } from '../domain/api-keys.js';
import type { RouteDefinition } from '../routes.js';
import type { Scope } from '../stores/api-key-store.js';
import { type Deps, deps } from '../shared/deps.js';
import type { ApiEvent } from './api-event.js';
import { authenticate } from './authenticate.js';
import { errorEnvelope } from './error-envelope.js';
import { jsonBody } from './json-body.js';
import { rateLimit } from './rate-limit.js';
import type { ApiResponse } from './responses.js';
import { webhookIdParam } from './params.js';
import { parseOrThrow } from './validation.js';

export type ApiRequest<B> = {
  principal: Principal;
  body: B;
  /** The validated `{webhookId}` of routes that have one (lower-cased UUID); '' on the others. */
  webhookId: string;
  query: Record<string, string | undefined>;
  /** The request path, for building Link headers. */
  path: string;
  requestId: string;
};

export type ApiCore<B> = (request: ApiRequest<B>, deps: Deps) => Promise<ApiResponse>;

export function apiHandler<S extends z.ZodType | undefined = undefined>(
  route: RouteDefinition & { scope: Scope },
  spec: { body?: S },
  core: ApiCore<S extends z.ZodType ? z.output<S> : undefined>,
) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>()
    .use(errorEnvelope(() => deps().logger))
    .use(authenticate(route.scope, () => deps().apiKeys))
    .use(rateLimit(() => deps().rateLimiter))
    .use(jsonBody())
    .handler(async (rawEvent) => {
      const event = rawEvent as ApiEvent;
      // A malformed id is a 404 whatever the body says (SPEC §2), and is checked before any store access.
      const webhookId = route.path.includes('{webhookId}') ? webhookIdParam(event.pathParameters ?? {}) : '';
      const body = (spec.body ? parseOrThrow(spec.body, event.jsonBody) : undefined) as S extends z.ZodType ? z.output<S> : undefined;
      return core(
        {
          principal: event.principal!,
          body,
          webhookId,
          query: event.queryStringParameters ?? {},
          path: event.rawPath,
          requestId: event.requestId!,
        },
        deps(),
      );
    });
}
