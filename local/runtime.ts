// The local runtime: every part of the AWS deployment on one machine, in one process, running
// the same handler modules through the real AWS SDK clients (endpoint override only).
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parseConfig } from '../lambdas/shared/config.js';
import { buildDeps } from '../lambdas/shared/deps.js';
import { type HandlerLoader, type HttpHandler, startApiGateway } from './api-gateway.js';
import { bootstrapDevKey } from './dev-key.js';
import { ensureTables, startDynalite } from './dynamodb.js';
import type { LocalConfig } from './local-config.js';
import { type LocalState, writeLocalState } from './state-file.js';

export type LocalRuntime = { state: LocalState; stop(): Promise<void> };

const REGION = 'us-east-1';

/** Loads `lambdas/<name>.handler.ts` once and keeps it warm, as a Lambda container would. */
function handlerLoader(): HandlerLoader {
  const loaded = new Map<string, Promise<HttpHandler>>();
  return (name) => {
    let handler = loaded.get(name);
    if (!handler) {
      handler = import(join(import.meta.dirname, '..', 'lambdas', `${name}.handler.ts`)).then((m: { handler: HttpHandler }) => m.handler);
      loaded.set(name, handler);
    }
    return handler;
  };
}

export async function startLocalRuntime(local: LocalConfig): Promise<LocalRuntime> {
  const dynamo = await startDynalite(local.dataDir, local.dynamodbPort);

  // What the Lambda service gives a function: its environment. The handlers read it once.
  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    SECRET_KEY_FILE: join(local.dataDir, 'secret.key'),
    ALLOW_LOOPBACK_URLS: local.allowLoopbackUrls ? '1' : '0',
  });
  const handlerConfig = parseConfig(process.env);
  const runtimeDeps = buildDeps(handlerConfig);

  const admin = new DynamoDBClient({ region: REGION, endpoint: dynamo.endpoint });
  await ensureTables(admin, handlerConfig.tables);
  admin.destroy();
  // Make (or check) the key file now, so a broken key fails at start, not at the first create.
  await runtimeDeps.cipher.decrypt(await runtimeDeps.cipher.encrypt('check', 'start'), 'start');
  const devKey = await bootstrapDevKey(runtimeDeps.apiKeys, local.dataDir, local.devApiKey);

  const api = await startApiGateway({ port: local.port, loadHandler: handlerLoader() });

  const state: LocalState = {
    pid: process.pid,
    api_url: api.url,
    events_url: '',
    dynamodb_endpoint: dynamo.endpoint,
    sqs_endpoint: '',
    region: REGION,
    tables: handlerConfig.tables,
    dev_api_key: devKey.apiKey,
    dev_api_secret: devKey.apiSecret,
  };
  writeLocalState(local.dataDir, state);

  return {
    state,
    stop: async () => {
      await api.stop();
      runtimeDeps.db.destroy();
      await dynamo.stop();
    },
  };
}
