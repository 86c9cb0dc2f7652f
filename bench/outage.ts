// An endpoint outage on a compressed schedule (SPEC §9): one endpoint answers 503 for
// `outageSeconds` while events keep coming, then recovers. Sampled meanwhile: messages in flight
// in SQS (both lanes) and jobs parked in DynamoDB. At the end every event must have reached the
// recovered endpoint (nothing lost) and the healthy endpoint beside it. The schedule and the park
// bound are scaled down (seconds, not hours) so the shape of a day-long outage shows in a minute.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { startRuntime } from './runtime.js';

/** The compressed schedule: 6 attempts over 46 s, waits above 3 s parked. */
export const OUTAGE_RUNTIME_ENV = {
  RETRY_SCHEDULE_SECONDS: '2,4,8,16,16',
  PARK_AFTER_SECONDS: '3',
  CIRCUIT_PROBE_SECONDS: '2',
  SWEEP_INTERVAL_SECONDS: '1',
  RATE_LIMIT_PER_SECOND: '100000',
  RATE_LIMIT_PER_MINUTE: '1000000',
};

export type OutageResult = {
  rate_per_s: number;
  outage_s: number;
  schedule_s: string;
  park_after_s: number;
  events: number;
  /** Highest ApproximateNumberOfMessagesNotVisible seen (both lanes together). */
  in_flight_max: number;
  /** Highest number of parked jobs seen in the jobs table. */
  parked_max: number;
  delivered_to_recovered: number;
  delivered_to_healthy: number;
  lost: number;
  recovery_s: number;
};

const example = JSON.parse(readFileSync(fileURLToPath(new URL('../events/examples/order.filled.json', import.meta.url)), 'utf8')) as Record<string, unknown>;

export async function runOutageSimulation(options: { rate: number; outageSeconds: number }): Promise<OutageResult> {
  let down = true;
  const got = { down: new Set<string>(), ok: new Set<string>() };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url === '/down' ? 'down' : 'ok';
      if (path === 'down' && down) return void res.writeHead(503).end();
      got[path].add((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { event_id: string }).event_id);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  const runtime = await startRuntime({ env: OUTAGE_RUNTIME_ENV });
  const { state } = runtime;
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const sqs = new SQSClient({ region: state.region, endpoint: state.sqs_endpoint, credentials });
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: state.region, endpoint: state.dynamodb_endpoint, credentials }));
  const events = new EventBridgeClient({ region: state.region, endpoint: state.events_url, credentials });
  try {
    const headers = { 'x-api-key': state.dev_api_key, 'x-api-secret': state.dev_api_secret, 'content-type': 'application/json' };
    for (const path of ['/down', '/ok']) {
      const res = await fetch(`${state.api_url}/v1/webhooks`, { method: 'POST', headers, body: JSON.stringify({ url: `http://127.0.0.1:${port}${path}`, events: ['order.filled'] }) });
      if (res.status !== 201) throw new Error(`creating a webhook: ${res.status}`);
    }
    const inFlight = async () => {
      let sum = 0;
      for (const url of [state.delivery_queue_url, state.slow_delivery_queue_url]) {
        const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }));
        sum += Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
      }
      return sum;
    };
    const parked = async () =>
      (await db.send(new ScanCommand({ TableName: state.tables.jobs, Select: 'COUNT', FilterExpression: 'attribute_exists(due_shard)' }))).Count ?? 0;
    const peaks = { inFlight: 0, parked: 0 };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peaks.inFlight = Math.max(peaks.inFlight, await inFlight());
        peaks.parked = Math.max(peaks.parked, await parked());
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    })();

    const published: string[] = [];
    const start = Date.now();
    const total = Math.round(options.rate * options.outageSeconds);
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / options.rate;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      const eventId = randomUUID();
      published.push(eventId);
      await events.send(
        new PutEventsCommand({
          Entries: [{ EventBusName: state.event_bus_name, Source: 'buildmarkets.bench', DetailType: 'order.filled', Detail: JSON.stringify({ partner_id: 'dev', event_id: eventId, data: example }) }],
        }),
      );
    }
    down = false;
    const recovered = Date.now();
    const deadline = recovered + 120_000;
    while (published.some((id) => !got.down.has(id)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
    const recoverySeconds = (Date.now() - recovered) / 1000;
    sampling = false;
    await sampler;
    return {
      rate_per_s: options.rate,
      outage_s: options.outageSeconds,
      schedule_s: OUTAGE_RUNTIME_ENV.RETRY_SCHEDULE_SECONDS,
      park_after_s: Number(OUTAGE_RUNTIME_ENV.PARK_AFTER_SECONDS),
      events: published.length,
      in_flight_max: peaks.inFlight,
      parked_max: peaks.parked,
      delivered_to_recovered: published.filter((id) => got.down.has(id)).length,
      delivered_to_healthy: published.filter((id) => got.ok.has(id)).length,
      lost: published.filter((id) => !got.down.has(id)).length,
      recovery_s: Math.round(recoverySeconds * 10) / 10,
    };
  } finally {
    sqs.destroy();
    db.destroy();
    events.destroy();
    await runtime.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
