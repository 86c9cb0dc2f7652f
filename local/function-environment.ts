// What the Lambda service gives a function, for handlers run on this machine: its environment
// (region, credentials, the engines' endpoints, the delivery queues, the secret key file). The
// local runtime sets it for its own handlers; the bench's delivery_cpu for the `deliver` handler
// it loads into its own process.
import { join } from 'node:path';
import type { Lane } from '../lambdas/domain/delivery.js';
import { QUEUE_ENV } from '../lambdas/shared/config-names.js';

export type FunctionEndpoints = {
  region: string;
  dynamodbEndpoint: string;
  sqsEndpoint: string;
  queueUrls: Record<Lane, string>;
  dataDir: string;
  allowLoopbackUrls: boolean;
};

export function functionEnvironment(e: FunctionEndpoints): Record<string, string> {
  return {
    AWS_REGION: e.region,
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    DYNAMODB_ENDPOINT: e.dynamodbEndpoint,
    SQS_ENDPOINT: e.sqsEndpoint,
    [QUEUE_ENV.fast]: e.queueUrls.fast,
    [QUEUE_ENV.slow]: e.queueUrls.slow,
    SECRET_KEY_FILE: join(e.dataDir, 'secret.key'),
    ALLOW_LOOPBACK_URLS: e.allowLoopbackUrls ? '1' : '0',
    // GET /v1/egress-ips: deliveries leave this machine over loopback.
    EGRESS_MODE: 'local',
  };
}
