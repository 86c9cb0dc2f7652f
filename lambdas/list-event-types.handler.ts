// GET /v1/event-types → 200, the subscribable events with `name`, `description` and `schema`
// (the JSON Schema of `data`, generated from the zod schemas the fan-out validates with; SPEC §8).
// Any valid key may read the catalog, whatever its scope (ANY_SCOPE_ROUTES in routes.ts).
import { eventTypeCatalog } from './domain/event-catalog.js';
import { apiHandler } from './http/api-handler.js';
import { json } from './http/responses.js';
import { ROUTES } from './routes.js';

export const handler = apiHandler(ROUTES.listEventTypes, {}, async () => json(200, eventTypeCatalog()));
