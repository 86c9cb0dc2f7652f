// The process's SQS client and delivery queue (see aws-clients.ts): only the functions that queue
// deliveries import this module, so only they bundle the SQS client.
import { SQSClient } from '@aws-sdk/client-sqs';
import { DeliveryQueue } from '../stores/delivery-queue.js';
import { type Config, config } from './config.js';
import { QUEUE_ENV } from './config-names.js';
import { once } from './once.js';
import { withClientHooks } from './client-hooks.js';

export function createSqsClient(cfg: Pick<Config, 'region' | 'sqsEndpoint'>): SQSClient {
  return withClientHooks(new SQSClient({ region: cfg.region, ...(cfg.sqsEndpoint ? { endpoint: cfg.sqsEndpoint } : {}) }), 'SQS');
}

export const sqsClient = once(() => createSqsClient(config()));

export const deliveryQueue = once(() => {
  const { queueUrls } = config();
  // Each lane's URL is needed only by the functions that send to that lane.
  return new DeliveryQueue(sqsClient(), (lane) => queueUrls[lane] ?? missing(QUEUE_ENV[lane]));
});

function missing(variable: string): never {
  throw new Error(`Invalid configuration: ${variable} must be set`);
}
