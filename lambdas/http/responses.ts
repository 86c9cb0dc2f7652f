// Building API Gateway v2 responses: JSON bodies, the error envelope and X-Request-Id. Every API
// answer (errors too, and the local gateway's own) says `nosniff`, and `no-store`: some carry a
// webhook secret (create, rotate-secret) and every one is a partner's own data, so no browser or
// proxy cache keeps any. A route may override the cache policy (the OpenAPI document does).
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ApiError } from '../domain/errors.js';

export type ApiResponse = APIGatewayProxyStructuredResultV2 & { headers: Record<string, string> };

/** On every API response. */
export const API_HEADERS: Readonly<Record<string, string>> = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResponse {
  return { statusCode, headers: { 'content-type': 'application/json', ...API_HEADERS, ...headers }, body: JSON.stringify(body) };
}

export function noContent(): ApiResponse {
  return { statusCode: 204, headers: { ...API_HEADERS }, body: '' };
}

export function errorResponse(error: ApiError, requestId: string): ApiResponse {
  return json(
    error.status,
    { error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}), request_id: requestId } },
    { ...error.headers, 'x-request-id': requestId },
  );
}
