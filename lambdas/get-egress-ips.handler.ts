// GET /v1/egress-ips → 200, `{"addresses": [...], "note": ...}`: the public addresses deliveries
// are sent from (SPEC §11 static egress), as the stack passes them (EGRESS_MODE, EGRESS_IPS).
// Any valid key may read them, whatever its scope (ANY_SCOPE_ROUTES in routes.ts).
import { egressAddresses } from './domain/egress.js';
import { apiHandler } from './http/api-handler.js';
import { json } from './http/responses.js';
import { ROUTES } from './routes.js';

export const handler = apiHandler(ROUTES.getEgressIps, {}, async (_req, d) =>
  json(200, egressAddresses(d.config.egress.mode, d.config.egress.addresses)),
);
