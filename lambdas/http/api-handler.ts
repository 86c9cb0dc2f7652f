// Builds a route's Lambda handler: middy with the shared middlewares around a small core.
// Cores receive typed, validated input and return a response; they never see raw events.
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import type { Principal } from '../domain/api-keys.js';
import { ANY_SCOPE_ROUTES, type RouteDefinition } from '../routes.js';
import { type ApiGraph, apiGraph } from '../wiring/api.js';
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
  /** The raw path parameters (unvalidated, beyond `webhookId`: each core checks its own). */
  params: Record<string, string | undefined>;
  /** The request path, for building Link headers. */
  path: string;
  requestId: string;
};

export type ApiCore<B> = (request: ApiRequest<B>, graph: ApiGraph) => Promise<ApiResponse>;

/**
 * A route with `scope: null` is public: no authentication and no per-key rate limit, so its core
 * must not read `request.principal`. Routes in ANY_SCOPE_ROUTES take a valid key of either scope.
 */
export function apiHandler<S extends z.ZodType | undefined = undefined>(
  route: RouteDefinition,
  spec: { body?: S },
  core: ApiCore<S extends z.ZodType ? z.output<S> : undefined>,
) {
  const chain = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>().use(errorEnvelope(() => apiGraph().logger));
  if (route.scope !== null) {
    chain.use(authenticate(ANY_SCOPE_ROUTES.has(route.name) ? 'any' : route.scope, () => apiGraph().authFailures)).use(rateLimit(() => apiGraph().rateLimiter));
  }
  return chain
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
          params: event.pathParameters ?? {},
          path: event.rawPath,
          requestId: event.requestId!,
        },
        apiGraph(),
      );
    });
}
