// The object graph every handler shares, built once per process from config(): SDK clients,
// stores and domain services. The Lambda and the local runtime build exactly this; only the
// endpoints in the configuration differ. Everything is cheap to construct; clients connect lazily.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeliveryWorker } from '../delivery/delivery-worker.js';
import { FanOut } from '../delivery/fan-out.js';
import { HttpSender } from '../delivery/http-sender.js';
import { Sweeper } from '../delivery/sweeper.js';
import { WebhookCache } from '../delivery/webhook-cache.js';
import { AuthFailureLimiter } from '../domain/auth-failure-limiter.js';
import { RateLimiter } from '../domain/rate-limiter.js';
import { LocalKeyFileCipher, type SecretCipher } from '../domain/secret-cipher.js';
import { UrlGuard } from '../domain/url-guard.js';
import { WebhookService } from '../domain/webhook-service.js';
import { ApiKeyStore } from '../stores/api-key-store.js';
import { DeliveryQueue } from '../stores/delivery-queue.js';
import { DeliveryRecorder } from '../stores/delivery-recorder.js';
import { DeliveryStore } from '../stores/delivery-store.js';
import { JobStore } from '../stores/job-store.js';
import { KmsSecretCipher } from '../stores/kms-secret-cipher.js';
import { RateLimitStore } from '../stores/rate-limit-store.js';
import { RejectedEventStore } from '../stores/rejected-event-store.js';
import { WebhookStore } from '../stores/webhook-store.js';
import { type Config, config } from './config.js';
import { Logger } from './logger.js';
import { countCalls } from './sdk-metrics.js';

export type Deps = ReturnType<typeof buildDeps>;

export function createDocumentClient(cfg: Pick<Config, 'region' | 'dynamodbEndpoint'>): DynamoDBDocumentClient {
  const client = countCalls(new DynamoDBClient({ region: cfg.region, ...(cfg.dynamodbEndpoint ? { endpoint: cfg.dynamodbEndpoint } : {}) }), 'DynamoDB');
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function createSqsClient(cfg: Pick<Config, 'region' | 'sqsEndpoint'>): SQSClient {
  return countCalls(new SQSClient({ region: cfg.region, ...(cfg.sqsEndpoint ? { endpoint: cfg.sqsEndpoint } : {}) }), 'SQS');
}

function createCipher(cfg: Config): SecretCipher {
  // In AWS: the stack's KMS key (only the create and delivery functions get it and may use it).
  if (cfg.secretsKmsKeyId) return new KmsSecretCipher(countCalls(new KMSClient({ region: cfg.region }), 'KMS'), cfg.secretsKmsKeyId);
  if (cfg.secretKeyFile) return new LocalKeyFileCipher(cfg.secretKeyFile);
  throw new Error('Invalid configuration: SECRET_KEY_FILE (or SECRETS_KMS_KEY_ID in AWS) must be set');
}

export function buildDeps(cfg: Config) {
  const db = createDocumentClient(cfg);
  const sqs = createSqsClient(cfg);
  const logger = Logger.fromConfig(cfg);
  const urlGuard = new UrlGuard({ allowLoopback: cfg.allowLoopbackUrls });
  let cipher: SecretCipher | undefined;
  // Built on first use: routes that never touch a secret never need the key.
  const lazyCipher: SecretCipher = {
    encrypt: (p, c) => (cipher ??= createCipher(cfg)).encrypt(p, c),
    decrypt: (p, c) => (cipher ??= createCipher(cfg)).decrypt(p, c),
  };
  const queueUrl = () => {
    if (!cfg.deliveryQueueUrl) throw new Error('Invalid configuration: DELIVERY_QUEUE_URL must be set');
    return cfg.deliveryQueueUrl;
  };

  const apiKeys = new ApiKeyStore(db, cfg.tables.apiKeys);
  const webhookStore = new WebhookStore(db, cfg.tables.webhooks);
  const jobs = new JobStore(db, cfg.tables.jobs);
  const deliveries = new DeliveryStore(db, cfg.tables.deliveries);
  const rejectedEvents = new RejectedEventStore(db, cfg.tables.rejectedEvents);
  const queue = new DeliveryQueue(sqs, queueUrl);
  const rateLimitStore = new RateLimitStore(db, cfg.tables.rateLimits);
  const rateLimiter = new RateLimiter(rateLimitStore, cfg.rateLimits);
  const authFailures = new AuthFailureLimiter(rateLimitStore, cfg.authFailuresPerMinute, cfg.authBlockedDelayMs);

  const webhooks = new WebhookService({
    store: webhookStore,
    cipher: lazyCipher,
    urlGuard,
    maxWebhooksPerPartner: cfg.maxWebhooksPerPartner,
  });
  const fanOut = new FanOut({ webhooks: webhookStore, jobs, queue });
  const worker = new DeliveryWorker({
    jobs,
    webhooks: new WebhookCache(webhookStore, cfg.webhookCacheTtlMs),
    recorder: new DeliveryRecorder(db, cfg.tables),
    cipher: lazyCipher,
    sender: new HttpSender(urlGuard, cfg.deliveryTimeoutMs),
    retryPolicy: cfg.retryPolicy,
  });
  const sweeper = new Sweeper({ jobs, queue });

  return {
    config: cfg,
    db,
    sqs,
    logger,
    urlGuard,
    cipher: lazyCipher,
    apiKeys,
    webhookStore,
    jobs,
    deliveries,
    rejectedEvents,
    queue,
    rateLimiter,
    authFailures,
    webhooks,
    fanOut,
    worker,
    sweeper,
  };
}

let cached: Deps | undefined;

/** The process's dependencies, built on first use (Lambda cold start). */
export function deps(): Deps {
  cached ??= buildDeps(config());
  return cached;
}
