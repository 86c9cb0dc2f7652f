// Filtered delivery history reads a bounded part of the history per request:
// thousands of attempts written straight into the table, then `status` / `event_id` filters
// through the API, counting the runtime's DynamoDB Query calls.
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { v7 as uuidv7 } from 'uuid';
import type { DeliveryAttempt } from '../../lambdas/domain/delivery.js';
import { attemptToItem, HISTORY_SHARDS, MAX_FILTERED_SCAN } from '../../lambdas/stores/delivery-store.js';
import { apiClient } from '../support/api-client.js';
import { removeDataDir, type RuntimeProcess, startRuntime } from '../support/runtime-process.js';
import { sdkCalls } from '../support/sdk-calls.js';

const STORED = 3000;
let rt: RuntimeProcess;
let call: ReturnType<typeof apiClient>;
let webhookId: string;
const rareEvent = randomUUID();

beforeAll(async () => {
  // The bench's SDK observer counts the calls each request makes (test/support/sdk-calls.ts).
  rt = await startRuntime({ env: { BENCH_SDK_OBSERVER: '1', RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_PER_MINUTE: '1000000' } });
  call = apiClient(rt.state);
  webhookId = (await call('POST', '/v1/webhooks', { body: { url: 'http://127.0.0.1:9/hook', events: [] } })).body.id;
  // Oldest first (UUIDv7 ids sort by creation); the rare event's three attempts are among the oldest.
  const attempts: DeliveryAttempt[] = Array.from({ length: STORED }, (_, i) => ({
    id: uuidv7(),
    webhookId,
    eventId: i >= 10 && i < 13 ? rareEvent : randomUUID(),
    eventType: 'order.filled',
    status: i % 50 === 0 ? 'succeeded' : 'failed',
    httpStatus: 503,
    responseTimeMs: 5,
    attemptNumber: 1,
    attemptedAt: new Date(Date.now() - (STORED - i) * 1000).toISOString(),
    nextRetryAt: null,
    error: null,
  }));
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: rt.state.region, endpoint: rt.state.dynamodb_endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  );
  for (let i = 0; i < attempts.length; i += 25) {
    const puts = attempts.slice(i, i + 25).map((a) => ({ PutRequest: { Item: attemptToItem(a) } }));
    await db.send(new BatchWriteCommand({ RequestItems: { [rt.state.tables.deliveries]: puts } }));
  }
  db.destroy();
}, 60_000);

afterAll(async () => {
  expect(await rt.stop()).toBe(0);
  removeDataDir(rt.dataDir);
});

const nextPath = (link: string | null) => (link ? /^<([^>]+)>; rel="next"$/.exec(link)![1]! : undefined);

/** Follows the Link headers from `path`; every page and the Query calls each one cost. */
async function walk(path: string) {
  const pages: { items: any[]; queries: number }[] = [];
  let next: string | undefined = path;
  while (next) {
    const before = (await sdkCalls(rt))['DynamoDB.Query'] ?? 0;
    const res = await call('GET', next);
    expect(res.status).toBe(200);
    const after = (await sdkCalls(rt))['DynamoDB.Query'] ?? 0;
    pages.push({ items: res.body, queries: after - before });
    next = nextPath(res.headers.get('link'));
    expect(pages.length).toBeLessThanOrEqual(Math.ceil(STORED / MAX_FILTERED_SCAN) + 2);
  }
  return pages;
}

describe('filtered delivery history', () => {
  it('answers an unknown event_id with bounded reads per request and a next link until the history is read', async () => {
    const pages = await walk(`/v1/webhooks/${webhookId}/deliveries?limit=1&event_id=${randomUUID()}`);
    expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(STORED / MAX_FILTERED_SCAN));
    for (const page of pages) {
      expect(page.items).toEqual([]);
      // A request makes one Query per history shard (each reads its share of the cap), not one per 50 items.
      expect(page.queries).toBeLessThanOrEqual(HISTORY_SHARDS);
    }
  });

  it('finds a rare event at the far end of the history, each attempt once, across short pages', async () => {
    const pages = await walk(`/v1/webhooks/${webhookId}/deliveries?limit=2&event_id=${rareEvent}`);
    const found = pages.flatMap((p) => p.items);
    expect(found).toHaveLength(3);
    expect(new Set(found.map((a) => a.id)).size).toBe(3);
    expect(found.every((a) => a.event_id === rareEvent)).toBe(true);
    expect(found.map((a) => a.id)).toEqual([...found.map((a) => a.id)].sort().reverse()); // newest first
  });

  it('pages through a status filter without losing or repeating attempts', async () => {
    const pages = await walk(`/v1/webhooks/${webhookId}/deliveries?limit=100&status=succeeded`);
    const found = pages.flatMap((p) => p.items);
    expect(found).toHaveLength(STORED / 50);
    expect(new Set(found.map((a) => a.id)).size).toBe(STORED / 50);
    expect(found.every((a) => a.status === 'succeeded')).toBe(true);
  });

  it('keeps unfiltered pages full', async () => {
    const res = await call('GET', `/v1/webhooks/${webhookId}/deliveries?limit=100`);
    expect(res.body).toHaveLength(100);
    expect(res.headers.get('link')).toMatch(/rel="next"/);
  });
});
