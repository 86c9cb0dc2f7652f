// The SDK clients of a process, built on first use from config() and shared by every graph the
// process builds (the local runtime runs all functions in one process: one client each).
// Each lives in the module its function imports, so a function bundles only the clients it uses.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Config, config } from './config.js';
import { once } from './once.js';
import { withClientHooks } from './client-hooks.js';

export function createDocumentClient(cfg: Pick<Config, 'region' | 'dynamodbEndpoint'>): DynamoDBDocumentClient {
  const client = withClientHooks(new DynamoDBClient({ region: cfg.region, ...(cfg.dynamodbEndpoint ? { endpoint: cfg.dynamodbEndpoint } : {}) }), 'DynamoDB');
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export const documentClient = once(() => createDocumentClient(config()));
