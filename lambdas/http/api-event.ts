import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Principal } from '../domain/api-keys.js';

/** The API Gateway v2 event as the middlewares enrich it, in order. */
export type ApiEvent = APIGatewayProxyEventV2 & {
  requestId?: string;
  principal?: Principal;
  jsonBody?: unknown;
};

/** Header lookup by lower-case name (API Gateway v2 lower-cases header names). */
export const header = (event: APIGatewayProxyEventV2, name: string): string | undefined => event.headers?.[name];
