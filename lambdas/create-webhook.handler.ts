// POST /v1/webhooks → 201 with the webhook and its secret (the only time the secret is shown).
import { createWebhookBody } from './domain/webhook.js';
import { apiHandler } from './http/api-handler.js';
import { json } from './http/responses.js';
import { ROUTES } from './routes.js';

export const handler = apiHandler(ROUTES.createWebhook, { body: createWebhookBody }, async (req, d) =>
  json(201, await d.webhooks.create(req.principal.partnerId, req.body)),
);
