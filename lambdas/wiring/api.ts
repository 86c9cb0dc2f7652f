// The object graph of the API route functions, built once per process from config() and the
// stores (stores.ts); http/api-handler.ts hands it to each route's core. The partner's delivery
// actions add the delivery path's requested jobs (delivery-actions.ts): no other route bundles
// the SQS client.
import { AuthFailureLimiter } from '../domain/auth-failure-limiter.js';
import { RateLimiter } from '../domain/rate-limiter.js';
import { UrlGuard } from '../domain/url-guard.js';
import { WebhookService } from '../domain/webhook-service.js';
import { config } from '../shared/config.js';
import { Logger } from '../shared/logger.js';
import { once } from '../shared/once.js';
import { apiKeyStore, endpointStore, historyStore, rateLimitStore, webhookStore } from './stores.js';

export type ApiGraph = ReturnType<typeof buildApiGraph>;

function buildApiGraph() {
  const cfg = config();
  return {
    config: cfg,
    logger: Logger.fromConfig(cfg),
    apiKeys: apiKeyStore(),
    rateLimiter: new RateLimiter(rateLimitStore(), cfg.rateLimits),
    authFailures: new AuthFailureLimiter({
      counter: rateLimitStore(),
      keys: apiKeyStore(),
      maxPerMinute: cfg.authFailuresPerMinute,
      refusalDelayMs: cfg.authBlockedDelayMs,
    }),
    history: historyStore(),
    webhooks: new WebhookService({
      store: webhookStore(),
      health: endpointStore(),
      // Loaded on first use: routes that never touch a secret never load the KMS client or the key.
      cipher: {
        encrypt: async (p, c) => (await import('./cipher.js')).cipher().encrypt(p, c),
        decrypt: async (p, c) => (await import('./cipher.js')).cipher().decrypt(p, c),
      },
      urlGuard: new UrlGuard({ allowLoopback: cfg.allowLoopbackUrls }),
      maxWebhooksPerPartner: cfg.maxWebhooksPerPartner,
    }),
  };
}

/** The process's API dependencies, built on first use (Lambda cold start). */
export const apiGraph = /* @__PURE__ */ once(buildApiGraph);

