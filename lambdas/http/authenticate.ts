// Authentication (X-API-Key + X-API-Secret, or HTTP Basic) and the route's scope check.
import type middy from '@middy/core';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { authenticateApiKey } from '../domain/api-keys.js';
import type { AuthFailureLimiter } from '../domain/auth-failure-limiter.js';
import { ApiError } from '../domain/errors.js';
import type { ApiKeyStore, Scope } from '../stores/api-key-store.js';
import { type ApiEvent, header } from './api-event.js';

const MAX_CREDENTIAL_LENGTH = 512;

export type Credentials = { apiKey: string; apiSecret: string };

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
  apiKeys: () => ApiKeyStore,
  failures: () => AuthFailureLimiter,
): middy.MiddlewareObj<ApiEvent, APIGatewayProxyStructuredResultV2, Error, Context> {
  return {
    before: async (request) => {
      // An address that keeps failing is refused before its credentials are looked up.
      const sourceIp = request.event.requestContext?.http?.sourceIp;
      const gate = await failures().check(sourceIp);
      if (!gate.allowed) {
        await new Promise((resolve) => setTimeout(resolve, failures().refusalDelayMs));
        throw new ApiError('RATE_LIMITED', `Too many failed authentications from this address; retry after ${gate.retryAfterSeconds} s.`, undefined, {
          'retry-after': String(gate.retryAfterSeconds),
        });
      }
      const credentials = readCredentials(request.event);
      const usable =
        credentials &&
        credentials.apiKey.length <= MAX_CREDENTIAL_LENGTH &&
        credentials.apiSecret.length <= MAX_CREDENTIAL_LENGTH;
      const principal = usable ? await authenticateApiKey(apiKeys(), credentials.apiKey, credentials.apiSecret) : undefined;
      if (!principal) {
        await failures().recordFailure(sourceIp);
        throw new ApiError('UNAUTHORIZED', 'Missing or invalid API credentials: send X-API-Key and X-API-Secret, or HTTP Basic.');
      }
      if (scope !== 'any' && !principal.scopes.includes(scope)) {
        throw new ApiError('FORBIDDEN', `This API key lacks the ${scope} scope.`);
      }
      request.event.principal = principal;
    },
  };
}
