// GET /portal and GET /portal/{asset} → the integrator portal (SPEC §10). Public routes (scope
// null): the page signs in through the API itself. No middleware and no SDK client: the page and
// its assets are compiled into this function, so a cold start loads nothing but them.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { portalResponse } from './portal/portal-response.js';

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> =>
  portalResponse(event.pathParameters?.asset, event.requestContext?.requestId || randomUUID());
