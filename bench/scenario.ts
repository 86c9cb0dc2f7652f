// What the isolation, storm, controls and outage scenarios share: a loopback receiver whose paths
// are healthy (200 at once), black holes (`/hole…`: read, never answered) or slow (`/slow…`: 200
// after SLOW_ANSWER_MS), recording each path's first 2xx receipt of each event; webhooks
// registered through the API; and a paced publisher (one PutEvents per event at a steady rate).
import { randomUUID } from 'node:crypto';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { LocalState } from '../local/state-file.js';
import { apiClient } from '../test/support/api-client.js';
import { exampleData } from '../test/support/examples.js';
import { type Behaviour, startReceiver } from './receiver.js';
import { localClients } from './runtime.js';
import { sleep } from './stats.js';

export { exampleData };

/** How long a `/slow…` path takes to answer (issue 18: "endpoints answering in 3 s"). */
export const SLOW_ANSWER_MS = 3000;

export type ScenarioReceiver = Awaited<ReturnType<typeof startScenarioReceiver>>;

export async function startScenarioReceiver() {
  /** `<path> <event_id>` → first 2xx receipt (epoch ms). */
  const received = new Map<string, number>();
  const behaviour = (path: string): Behaviour => (path.startsWith('/hole') ? { hang: true } : path.startsWith('/slow') ? { delayMs: SLOW_ANSWER_MS } : {});
  const onRequest = ({ path, body, status, receivedAt }: { path: string; body: string; status?: number; receivedAt: number }) => {
    if (status === undefined || status >= 300) return;
    try {
      const key = `${path} ${(JSON.parse(body) as { event_id: string }).event_id}`;
      if (!received.has(key)) received.set(key, receivedAt);
    } catch {
      // not a delivery
    }
  };
  const { url, script, close } = await startReceiver({ log: false, behaviour, onRequest });
  return { url, script, received, close };
}

/** Webhooks of partner `dev` created through the API, deleted by `deleteAll` (their retries stop). */
export function webhookRegistry(state: LocalState) {
  const api = apiClient(state);
  const created: string[] = [];
  return {
    /** `controls`: SPEC §11 fields (rate_limit_per_second, ordering, headers). */
    async create(url: string, types: string[], controls: Record<string, unknown> = {}): Promise<{ id: string; secret: string }> {
      const { status, body, text } = await api<{ id?: string; secret?: string }>('POST', '/v1/webhooks', { body: { url, events: types, ...controls } });
      if (status !== 201 || !body?.id || !body.secret) throw new Error(`POST /v1/webhooks answered ${status}: ${text}`);
      created.push(body.id);
      return { id: body.id, secret: body.secret };
    },
    async deleteAll(): Promise<void> {
      for (const id of created) await api('DELETE', `/v1/webhooks/${id}`).catch(() => undefined);
    },
  };
}

/** Publishes `rate` events/s of `type` for `seconds` (one PutEvents each); returns event id → publish time. `data(i)` overrides the example payload. */
export async function publishPaced(state: LocalState, type: string, rate: number, seconds: number, data?: (i: number) => Record<string, unknown>): Promise<Map<string, number>> {
  const { events, destroy } = localClients(state);
  const published = new Map<string, number>();
  try {
    const start = Date.now();
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < Math.round(rate * seconds); i++) {
      const wait = start + (i * 1000) / rate - Date.now();
      if (wait > 0) await sleep(wait);
      const eventId = randomUUID();
      published.set(eventId, Date.now());
      const detail = JSON.stringify({ partner_id: 'dev', event_id: eventId, data: data ? data(i) : exampleData(type) });
      sends.push(events.send(new PutEventsCommand({ Entries: [{ EventBusName: state.event_bus_name, Source: 'buildmarkets.bench', DetailType: type, Detail: detail }] })));
    }
    await Promise.all(sends);
    return published;
  } finally {
    destroy();
  }
}

/** Waits until every (path, event) pair has a receipt, or `timeoutMs`; returns the receipts' latencies (ms after publish). */
export async function awaitReceipts(receiver: ScenarioReceiver, paths: string[], published: Map<string, number>, timeoutMs: number): Promise<number[]> {
  const latencies = () => [...published].flatMap(([id, at]) => paths.flatMap((p) => receiver.received.get(`${p} ${id}`) ?? []).map((got) => got - at));
  const deadline = Date.now() + timeoutMs;
  while (latencies().length < published.size * paths.length && Date.now() < deadline) await sleep(50);
  return latencies();
}
