// The object graph every handler shares, built once per process from config(): SDK clients,
// stores and domain services. The Lambda and the local runtime build exactly this; only the
// endpoints in the configuration differ.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LocalKeyFileCipher, type SecretCipher } from '../domain/secret-cipher.js';
import { UrlGuard } from '../domain/url-guard.js';
import { WebhookService } from '../domain/webhook-service.js';
import { ApiKeyStore } from '../stores/api-key-store.js';
import { WebhookStore } from '../stores/webhook-store.js';
import { type Config, config } from './config.js';
import { Logger } from './logger.js';

export type Deps = ReturnType<typeof buildDeps>;

export function createDocumentClient(cfg: Pick<Config, 'region' | 'dynamodbEndpoint'>): DynamoDBDocumentClient {
  const client = new DynamoDBClient({ region: cfg.region, ...(cfg.dynamodbEndpoint ? { endpoint: cfg.dynamodbEndpoint } : {}) });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

function createCipher(cfg: Config): SecretCipher {
  if (cfg.secretKeyFile) return new LocalKeyFileCipher(cfg.secretKeyFile);
  throw new Error('Invalid configuration: SECRET_KEY_FILE (or SECRETS_KMS_KEY_ID in AWS) must be set');
}

export function buildDeps(cfg: Config) {
  const db = createDocumentClient(cfg);
  const logger = Logger.fromConfig(cfg);
  const urlGuard = new UrlGuard({ allowLoopback: cfg.allowLoopbackUrls });
  const apiKeys = new ApiKeyStore(db, cfg.tables.apiKeys);
  const webhookStore = new WebhookStore(db, cfg.tables.webhooks);
  let cipher: SecretCipher | undefined;
  // The cipher is built on first use: read-only routes never need the key.
  const lazyCipher: SecretCipher = {
    encrypt: (p, c) => (cipher ??= createCipher(cfg)).encrypt(p, c),
    decrypt: (p, c) => (cipher ??= createCipher(cfg)).decrypt(p, c),
  };
  const webhooks = new WebhookService({
    store: webhookStore,
    cipher: lazyCipher,
    urlGuard,
    maxWebhooksPerPartner: cfg.maxWebhooksPerPartner,
  });
  return { config: cfg, db, logger, urlGuard, apiKeys, webhookStore, cipher: lazyCipher, webhooks };
}

let cached: Deps | undefined;

/** The process's dependencies, built on first use (Lambda cold start). */
export function deps(): Deps {
  cached ??= buildDeps(config());
  return cached;
}
