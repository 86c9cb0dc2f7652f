// The isolation scenario of SPEC §9, as a user meets it: healthy loopback receivers and one
// endpoint that accepts the connection and never answers, all subscribed, events published at a
// steady rate through PutEvents. Phase "alone": only the healthy endpoints subscribe to the event
// type; phase "beside_bad": the black hole subscribes too. Latency is publish → receipt, per
// healthy delivery. Used by `npm run bench` (section `isolation`) and the integration test.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { LocalState } from '../local/state-file.js';
import { percentile, round } from './stats.js';

const num = (value: number, digits = 1) => round(value, digits) ?? Number.NaN;

export type IsolationOptions = { rate: number; seconds: number; healthy: number; settleTimeoutMs?: number };

export type PhaseResult = { p50_ms: number; p99_ms: number; max_ms: number; delivered: number; expected: number };

export type IsolationResult = {
  rate_per_s: number;
  seconds: number;
  healthy_endpoints: number;
  alone: PhaseResult;
  beside_bad: PhaseResult;
  alone_p99_ms: number;
  beside_bad_p99_ms: number;
  /** beside_bad p99 / alone p99: SPEC §9 asks for at most 2. */
  ratio: number;
  healthy_delivered: number;
  healthy_expected: number;
};

const ALONE_TYPE = 'order.submitted';
const BESIDE_TYPE = 'order.filled';
/** The repository's example payloads (events/examples). */
const exampleData = (type: string): Record<string, unknown> =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../events/examples/${type}.json`, import.meta.url)), 'utf8')) as Record<string, unknown>;

/** Healthy paths answer 200 at once and record receipt times; `/hole` never answers. */
async function startScenarioReceiver() {
  const received = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/hole') return; // accepted, read, never answered
      try {
        const eventId = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { event_id: string }).event_id;
        if (!received.has(`${req.url} ${eventId}`)) received.set(`${req.url} ${eventId}`, Date.now());
      } catch {
        // not a delivery
      }
      res.writeHead(200).end('ok');
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export async function runIsolationScenario(state: LocalState, options: IsolationOptions): Promise<IsolationResult> {
  const receiver = await startScenarioReceiver();
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const events = new EventBridgeClient({ region: state.region, endpoint: state.events_url, credentials });
  const headers = { 'x-api-key': state.dev_api_key, 'x-api-secret': state.dev_api_secret, 'content-type': 'application/json' };
  const created: string[] = [];
  const create = async (url: string, types: string[]) => {
    const res = await fetch(`${state.api_url}/v1/webhooks`, { method: 'POST', headers, body: JSON.stringify({ url, events: types }) });
    if (res.status !== 201) throw new Error(`creating a webhook: ${res.status} ${await res.text()}`);
    created.push(((await res.json()) as { id: string }).id);
  };
  try {
    const healthyPaths = Array.from({ length: options.healthy }, (_, i) => `/ok-${randomUUID()}-${i}`);
    for (const path of healthyPaths) await create(receiver.url(path), [ALONE_TYPE, BESIDE_TYPE]);
    await create(receiver.url('/hole'), [BESIDE_TYPE]);

    const phase = async (type: string, seconds = options.seconds): Promise<PhaseResult> => {
      const published = new Map<string, number>();
      const start = Date.now();
      const sends: Promise<unknown>[] = [];
      const total = Math.round(options.rate * seconds);
      for (let i = 0; i < total; i++) {
        const due = start + (i * 1000) / options.rate;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
        const eventId = randomUUID();
        published.set(eventId, Date.now());
        sends.push(
          events.send(
            new PutEventsCommand({
              Entries: [{ EventBusName: state.event_bus_name, Source: 'buildmarkets.bench', DetailType: type, Detail: JSON.stringify({ partner_id: 'dev', event_id: eventId, data: exampleData(type) }) }],
            }),
          ),
        );
      }
      await Promise.all(sends);
      const expected = published.size * healthyPaths.length;
      const arrived = () => [...published.keys()].flatMap((id) => healthyPaths.filter((p) => receiver.received.has(`${p} ${id}`))).length;
      const deadline = Date.now() + (options.settleTimeoutMs ?? 90_000);
      while (arrived() < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      const latencies = [...published].flatMap(([id, at]) =>
        healthyPaths.flatMap((p) => {
          const got = receiver.received.get(`${p} ${id}`);
          return got === undefined ? [] : [got - at];
        }),
      );
      const sorted = latencies.sort((a, b) => a - b);
      return {
        p50_ms: num(percentile(sorted, 50)),
        p99_ms: num(percentile(sorted, 99)),
        max_ms: sorted.at(-1) ?? 0,
        delivered: sorted.length,
        expected,
      };
    };

    // Warm-up, not measured: the first deliveries to new webhooks load handlers and fill caches.
    await phase(ALONE_TYPE, 1);
    const alone = await phase(ALONE_TYPE);
    const besideBad = await phase(BESIDE_TYPE);
    return {
      rate_per_s: options.rate,
      seconds: options.seconds,
      healthy_endpoints: options.healthy,
      alone,
      beside_bad: besideBad,
      alone_p99_ms: alone.p99_ms,
      beside_bad_p99_ms: besideBad.p99_ms,
      ratio: num(besideBad.p99_ms / Math.max(1, alone.p99_ms), 2),
      healthy_delivered: alone.delivered + besideBad.delivered,
      healthy_expected: alone.expected + besideBad.expected,
    };
  } finally {
    // The black hole's deliveries would otherwise go on being retried after the scenario.
    for (const id of created) await fetch(`${state.api_url}/v1/webhooks/${id}`, { method: 'DELETE', headers }).catch(() => undefined);
    events.destroy();
    await receiver.close();
  }
}
