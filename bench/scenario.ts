// What the isolation and storm scenarios share: a loopback receiver whose paths behave as healthy
// (200 at once), black holes (`/hole…`: read, never answered) or slow (`/slow…`: 200 after
// SLOW_ANSWER_MS), recording each path's first receipt of each event; webhooks registered
// through the API; and a paced publisher (PutEvents at a steady rate).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { LocalState } from '../local/state-file.js';

/** How long a `/slow…` path takes to answer (issue 18: "endpoints answering in 3 s"). */
export const SLOW_ANSWER_MS = 3000;

/** The repository's example payloads (events/examples). */
export const exampleData = (type: string): Record<string, unknown> =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../events/examples/${type}.json`, import.meta.url)), 'utf8')) as Record<string, unknown>;

export type ScenarioReceiver = Awaited<ReturnType<typeof startScenarioReceiver>>;

export async function startScenarioReceiver() {
  /** `<path> <event_id>` → first receipt (epoch ms). */
  const received = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      if (path.startsWith('/hole')) return; // accepted, read, never answered
      try {
        const eventId = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { event_id: string }).event_id;
        if (!received.has(`${path} ${eventId}`)) received.set(`${path} ${eventId}`, Date.now());
      } catch {
        // not a delivery
      }
      const answer = () => res.writeHead(200).end('ok');
      if (path.startsWith('/slow')) setTimeout(answer, SLOW_ANSWER_MS).unref();
      else answer();
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

/** Webhooks of partner `dev` created through the API, deleted by `deleteAll` (their retries stop). */
export function webhookRegistry(state: LocalState) {
  const headers = { 'x-api-key': state.dev_api_key, 'x-api-secret': state.dev_api_secret, 'content-type': 'application/json' };
  const created: string[] = [];
  return {
    /** `controls`: SPEC §11 fields (rate_limit_per_second, ordering, headers). */
    async create(url: string, types: string[], controls: Record<string, unknown> = {}): Promise<string> {
      const res = await fetch(`${state.api_url}/v1/webhooks`, { method: 'POST', headers, body: JSON.stringify({ url, events: types, ...controls }) });
      if (res.status !== 201) throw new Error(`creating a webhook: ${res.status} ${await res.text()}`);
      const id = ((await res.json()) as { id: string }).id;
      created.push(id);
      return id;
    },
    async deleteAll(): Promise<void> {
      for (const id of created) await fetch(`${state.api_url}/v1/webhooks/${id}`, { method: 'DELETE', headers }).catch(() => undefined);
    },
  };
}

/** Publishes `rate` events/s of `type` for `seconds` (one PutEvents each); returns event id → publish time. `data(i)` overrides the example payload. */
export async function publishPaced(state: LocalState, type: string, rate: number, seconds: number, data?: (i: number) => Record<string, unknown>): Promise<Map<string, number>> {
  const events = new EventBridgeClient({ region: state.region, endpoint: state.events_url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const published = new Map<string, number>();
  try {
    const start = Date.now();
    const sends: Promise<unknown>[] = [];
    const total = Math.round(rate * seconds);
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      const eventId = randomUUID();
      published.set(eventId, Date.now());
      const detail = JSON.stringify({ partner_id: 'dev', event_id: eventId, data: data ? data(i) : exampleData(type) });
      sends.push(events.send(new PutEventsCommand({ Entries: [{ EventBusName: state.event_bus_name, Source: 'buildmarkets.bench', DetailType: type, Detail: detail }] })));
    }
    await Promise.all(sends);
    return published;
  } finally {
    events.destroy();
  }
}

/** Waits until every (path, event) pair has a receipt, or `timeoutMs`; returns the receipts' latencies (ms after publish). */
export async function awaitReceipts(receiver: ScenarioReceiver, paths: string[], published: Map<string, number>, timeoutMs: number): Promise<number[]> {
  const expected = published.size * paths.length;
  const arrived = () => [...published.keys()].flatMap((id) => paths.filter((p) => receiver.received.has(`${p} ${id}`))).length;
  const deadline = Date.now() + timeoutMs;
  while (arrived() < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return [...published].flatMap(([id, at]) =>
    paths.flatMap((p) => {
      const got = receiver.received.get(`${p} ${id}`);
      return got === undefined ? [] : [got - at];
    }),
  );
}
