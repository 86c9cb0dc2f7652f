// Body limits and JSON parsing: 413 over 64 KiB, 415 for a non-JSON content type, 400
// INVALID_JSON for malformed JSON. The parsed value goes to event.jsonBody for the route's zod schema.
import type middy from '@middy/core';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { ApiError } from '../domain/errors.js';
import { type ApiEvent, header } from './api-event.js';

export const MAX_BODY_BYTES = 64 * 1024;

const isJsonMediaType = (contentType: string) => {
  const media = contentType.split(';')[0]!.trim().toLowerCase();
  return media === 'application/json' || /^application\/[\w.+-]+\+json$/.test(media);
};

export function jsonBody(): middy.MiddlewareObj<ApiEvent, APIGatewayProxyStructuredResultV2, Error, Context> {
  return {
    before: (request) => {
      const { event } = request;
      if (event.body === undefined || event.body === null || event.body === '') return;
      const bytes = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
      if (bytes.length > MAX_BODY_BYTES) {
        throw new ApiError('PAYLOAD_TOO_LARGE', `Request body must be at most ${MAX_BODY_BYTES} bytes.`);
      }
      const contentType = header(event, 'content-type');
      if (contentType !== undefined && !isJsonMediaType(contentType)) {
        throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Request body must be JSON (Content-Type: application/json).');
      }
      try {
        event.jsonBody = JSON.parse(bytes.toString('utf8'));
      } catch {
        throw new ApiError('INVALID_JSON', 'Request body is not valid JSON.');
      }
    },
  };
}
