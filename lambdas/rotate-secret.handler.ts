// POST /v1/webhooks/{webhookId}/rotate-secret {expire_previous_in_seconds?} → 200 {secret,
// previous_secret_expires_at}: the new secret, shown this once (SPEC §7).
import { rotateSecretBody } from './domain/webhook.js';
import { apiHandler } from './http/api-handler.js';
import { json } from './http/responses.js';
import { ROUTES } from './routes.js';

export const handler = apiHandler(ROUTES.rotateSecret, { body: rotateSecretBody }, async (req, d) =>
  json(200, await d.webhooks.rotateSecret(req.principal.partnerId, req.webhookId, req.body)),
);
