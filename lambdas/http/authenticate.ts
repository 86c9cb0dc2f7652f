// Authentication (X-API-Key + X-API-Secret, or HTTP Basic) and the route's scope check.
import type middy from '@middy/core';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { AuthFailureLimiter, Credentials } from '../domain/auth-failure-limiter.js';
import { ApiError } from '../domain/errors.js';
import type { Scope } from '../stores/api-key-store.js';
import { type ApiEvent, header } from './api-event.js';

const MAX_CREDENTIAL_LENGTH = 512;

/** Reads the credentials from the headers; undefined when absent or malformed. */
export function readCredentials(event: ApiEvent): Credentials | undefined {
  const apiKey = header(event, 'x-api-key');
  const apiSecret = header(event, 'x-api-secret');
  if (apiKey !== undefined || apiSecret !== undefined) {
    return apiKey && apiSecret ? { apiKey, apiSecret } : undefined;
  }
  const authorization = header(event, 'authorization');
  const basic = authorization?.match(/^Basic\s+([A-Za-z0-9+/=]+)\s*$/i);
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { apiKey: decoded.slice(0, colon), apiSecret: decoded.slice(colon + 1) };
}

/** `'any'`: a valid key of either scope. */
export function authenticate(
  scope: Scope | 'any',
  authenticator: () => AuthFailureLimiter,
): middy.MiddlewareObj<ApiEvent, APIGatewayProxyStructuredResultV2, Error, Context> {
  return {
    before: async (request) => {
      const credentials = readCredentials(request.event);
      const usable =
        credentials && credentials.apiKey.length <= MAX_CREDENTIAL_LENGTH && credentials.apiSecret.length <= MAX_CREDENTIAL_LENGTH
          ? credentials
          : undefined;
      // An address that keeps failing is refused, except for keys known to be valid (auth-failure-limiter.ts).
      const outcome = await authenticator().authenticate(request.event.requestContext?.http?.sourceIp, usable);
      if (!outcome.ok && outcome.retryAfterSeconds !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, authenticator().refusalDelayMs));
        throw new ApiError('RATE_LIMITED', `Too many failed authentications from this address; retry after ${outcome.retryAfterSeconds} s.`, undefined, {
          'retry-after': String(outcome.retryAfterSeconds),
        });
      }
      if (!outcome.ok) {
        throw new ApiError('UNAUTHORIZED', 'Missing or invalid API credentials: send X-API-Key and X-API-Secret, or HTTP Basic.');
      }
      const { principal } = outcome;
      if (scope !== 'any' && !principal.scopes.includes(scope)) {
        throw new ApiError('FORBIDDEN', `This API key lacks the ${scope} scope.`);
      }
      request.event.principal = principal;
    },
  };
}
