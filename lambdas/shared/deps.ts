// The object graph of the API route functions, built once per process from config(). The
// delivery functions build their own (delivery/delivery-deps.ts), so no route bundles the SQS
// client unless it queues deliveries (the test route, through fanOutGraph).
import { AuthFailureLimiter } from '../domain/auth-failure-limiter.js';
import { RateLimiter } from '../domain/rate-limiter.js';
import { UrlGuard } from '../domain/url-guard.js';
import { WebhookService } from '../domain/webhook-service.js';
import { ApiKeyStore } from '../stores/api-key-store.js';
import { DeliveryStore } from '../stores/delivery-store.js';
import { EndpointStore } from '../stores/endpoint-store.js';
import { RateLimitStore } from '../stores/rate-limit-store.js';
import { WebhookStore } from '../stores/webhook-store.js';
import { documentClient } from './aws-clients.js';
import { config } from './config.js';
import { Logger } from './logger.js';
import { once } from './once.js';

export type Deps = ReturnType<typeof buildDeps>;

function buildDeps() {
  const cfg = config();
  const db = documentClient();
  const webhookStore = new WebhookStore(db, cfg.tables.webhooks);
  const rateLimitStore = new RateLimitStore(db, cfg.tables.rateLimits);
  const apiKeys = new ApiKeyStore(db, cfg.tables.apiKeys);
  return {
    config: cfg,
    logger: Logger.fromConfig(cfg),
    apiKeys,
    rateLimiter: new RateLimiter(rateLimitStore, cfg.rateLimits),
    authFailures: new AuthFailureLimiter({
      counter: rateLimitStore,
      keys: apiKeys,
      maxPerMinute: cfg.authFailuresPerMinute,
      refusalDelayMs: cfg.authBlockedDelayMs,
    }),
    webhookStore,
    history: new DeliveryStore(db, cfg.tables.deliveries),
    webhooks: new WebhookService({
      store: webhookStore,
      health: new EndpointStore(db, cfg.tables.endpoints),
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
export const deps = once(buildDeps);
