// Building API Gateway v2 responses: JSON bodies, the error envelope and X-Request-Id.
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ApiError } from '../domain/errors.js';

export type ApiResponse = APIGatewayProxyStructuredResultV2 & { headers: Record<string, string> };

const JSON_HEADERS = { 'content-type': 'application/json' };

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResponse {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

export function noContent(): ApiResponse {
  return { statusCode: 204, headers: {}, body: '' };
}

export function errorResponse(error: ApiError, requestId: string): ApiResponse {
  return json(
    error.status,
    { error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}), request_id: requestId } },
    { ...error.headers, 'x-request-id': requestId },
  );
}
