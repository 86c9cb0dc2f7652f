// The local runtime applies DynamoDB TTL itself (dynalite does not): expired history, jobs and
// counters go away, live ones stay.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { removeDataDir, startRuntime } from '../support/runtime-process.js';
import { waitFor } from '../support/wait-for.js';

describe('local TTL', () => {
  it('deletes items whose expires_at has passed and keeps the others', async () => {
    const rt = await startRuntime({ env: { TTL_SWEEP_INTERVAL_SECONDS: '0.5' } });
    const db = DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: rt.state.region, endpoint: rt.state.dynamodb_endpoint, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } }),
    );
    try {
      const now = Math.floor(Date.now() / 1000);
      const table = rt.state.tables.deliveries;
      const expired = { webhook_id: 'w-ttl', id: 'expired' };
      const live = { webhook_id: 'w-ttl', id: 'live' };
      await db.send(new PutCommand({ TableName: table, Item: { ...expired, expires_at: now - 10 } }));
      await db.send(new PutCommand({ TableName: table, Item: { ...live, expires_at: now + 3600 } }));
      await db.send(new PutCommand({ TableName: rt.state.tables.rateLimits, Item: { bucket: 'k#s#1', hits: 3, expires_at: now - 1 } }));
      await waitFor(async () => ((await db.send(new GetCommand({ TableName: table, Key: expired }))).Item ? undefined : true), { timeoutMs: 10_000 });
      await waitFor(
        async () => ((await db.send(new GetCommand({ TableName: rt.state.tables.rateLimits, Key: { bucket: 'k#s#1' } }))).Item ? undefined : true),
        { timeoutMs: 10_000 },
      );
      expect((await db.send(new GetCommand({ TableName: table, Key: live }))).Item).toMatchObject({ id: 'live' });
    } finally {
      db.destroy();
      expect(await rt.stop()).toBe(0);
      removeDataDir(rt.dataDir);
    }
  });
});
