// GET /v1/openapi.json → 200, the OpenAPI 3.1 document of the API (SPEC §8). Public: no key and
// no per-key rate limit (the route's scope is null). Built on the first request, then kept.
import { apiHandler } from './http/api-handler.js';
import { json } from './http/responses.js';
import { openApiDocument } from './openapi/document.js';
import { ROUTES } from './routes.js';

export const handler = apiHandler(ROUTES.getOpenApi, {}, async () =>
  json(200, openApiDocument(), { 'cache-control': 'public, max-age=300' }),
);
