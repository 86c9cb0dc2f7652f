// Each test starts a runtime (or engine) of its own on its own DATA_DIR: they run concurrently.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynalite } from '../../local/dynamodb.js';
import { apiClient } from '../support/api-client.js';
import { exampleData } from '../support/examples.js';
import { localAws } from '../support/local-aws.js';
import { makeDataDir, removeDataDir, startRuntime, startRuntimeFromSource } from '../support/runtime-process.js';
import { waitFor } from '../support/wait-for.js';

describe('local runtime', () => {
  it.concurrent('starts from source as `npm start` runs it (tsx), serves the API with the dev key and stops cleanly on SIGTERM', async () => {
    const rt = await startRuntimeFromSource();
    try {
      const call = apiClient(rt.state);
      const res = await call('GET', '/v1/webhooks');
      expect(res.status).toBe(200);
      expect(res.body).toEqual([]);
    } finally {
      expect(await rt.stop()).toBe(0);
      removeDataDir(rt.dataDir);
    }
  });
});

describe('local runtime stop', () => {
  it.concurrent('exits 0 on SIGTERM while requests and events are still in flight', async () => {
    const rt = await startRuntime({ env: { RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_PER_MINUTE: '1000000' } });
    const call = apiClient(rt.state);
    const aws = localAws(rt.state);
    try {
      const created = await call('POST', '/v1/webhooks', { body: { url: 'http://127.0.0.1:1/unreachable', events: [] } });
      expect(created.status).toBe(201);
      // Steady traffic that is still running when the signal arrives; its outcome does not matter.
      let running = true;
      let completed = 0;
      const loop = async (send: () => Promise<unknown>) => {
        while (running) await send().then(() => completed++, () => (running = false));
      };
      const traffic = [
        ...Array.from({ length: 16 }, () => loop(() => call('GET', '/v1/webhooks'))),
        ...Array.from({ length: 8 }, () => loop(() => aws.publish('account.closed', exampleData('account.closed')))),
      ];
      await waitFor(() => (completed >= 200 ? true : undefined), { timeoutMs: 20_000 });
      const exitCode = await rt.stop();
      running = false;
      await Promise.all(traffic);
      expect(exitCode).toBe(0);
      expect(rt.output()).not.toMatch(/Database is (not open|closed)|Iterator is not open/);
    } finally {
      aws.destroy();
      removeDataDir(rt.dataDir);
    }
  });
});

describe('local runtime on a DATA_DIR from an earlier version', () => {
  it.concurrent('refuses to start with a clear message when a kept table has other keys or indexes', async () => {
    const dataDir = makeDataDir();
    // A jobs table as the previous data model made it: one constant due bucket, no shards.
    const engine = await startDynalite(dataDir, 0);
    const client = new DynamoDBClient({ region: 'us-east-1', endpoint: engine.endpoint, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    try {
      await client.send(
        new CreateTableCommand({
          TableName: 'buildmarkets-delivery-jobs',
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [{ AttributeName: 'job_id', KeyType: 'HASH' }],
          AttributeDefinitions: [
            { AttributeName: 'job_id', AttributeType: 'S' },
            { AttributeName: 'due_bucket', AttributeType: 'S' },
            { AttributeName: 'next_attempt_at', AttributeType: 'N' },
          ],
          GlobalSecondaryIndexes: [
            {
              IndexName: 'due-index',
              KeySchema: [
                { AttributeName: 'due_bucket', KeyType: 'HASH' },
                { AttributeName: 'next_attempt_at', KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            },
          ],
        }),
      );
    } finally {
      client.destroy();
      await engine.stop();
    }
    try {
      await expect(startRuntime({ dataDir })).rejects.toThrow(/buildmarkets-delivery-jobs in DATA_DIR was made by an earlier version/);
    } finally {
      removeDataDir(dataDir);
    }
  });
});
