// What the scenarios share: a loopback receiver whose paths are healthy, black holes (`/hole…`) or slow (`/slow…`),
// recording each path's first 2xx receipt of each event; webhooks through the API; a paced publisher.
import { randomUUID } from 'node:crypto';
import type { LocalState } from '../local/state-file.js';
import { apiClient } from '../test/support/api-client.js';
import { exampleData } from '../test/support/examples.js';
import { localAws } from '../test/support/local-aws.js';
import { type Behaviour, startReceiver } from '../local/receiver.js';
import { withRuntime } from './runtime.js';
import { ascending, num, percentile, sleep } from './util.js';

/** How long a `/slow…` path takes to answer: the storm's slow endpoints answer in 3 s. */
export const SLOW_ANSWER_MS = 3000;
/** The API rate limits out of the way of a scenario's own runtime. */
export const NO_RATE_LIMITS = { RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_PER_MINUTE: '1000000' };

export type ScenarioReceiver = Awaited<ReturnType<typeof startScenarioReceiver>>;
export type Scenario = { state: LocalState; receiver: ScenarioReceiver; webhooks: ReturnType<typeof webhookRegistry> };

async function startScenarioReceiver() {
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

/** `run` with a scenario receiver and webhooks on the runtime of `state`; then its webhooks deleted (a black hole's retries would go on) and the receiver closed. */
export async function onScenario<T>(state: LocalState, run: (scenario: Scenario) => Promise<T>): Promise<T> {
  const [receiver, webhooks] = [await startScenarioReceiver(), webhookRegistry(state)];
  try {
    return await run({ state, receiver, webhooks });
  } finally {
    await webhooks.deleteAll().finally(() => receiver.close());
  }
}

/** `onScenario` on a runtime of its own (`env`), stopped after. */
export const withScenario = <T>(env: Record<string, string>, run: (scenario: Scenario) => Promise<T>) => withRuntime(env, ({ state }) => onScenario(state, run));

/** `rate` events/s of `type` for `seconds` (one PutEvents each), `data(i)` over the example's fields; event id → publish time. */
export async function publishPaced(state: LocalState, type: string, rate: number, seconds: number, data?: (i: number) => Record<string, unknown>): Promise<Map<string, number>> {
  const aws = localAws(state);
  const published = new Map<string, number>();
  try {
    const start = Date.now();
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < Math.round(rate * seconds); i++) {
      const wait = start + (i * 1000) / rate - Date.now();
      if (wait > 0) await sleep(wait);
      const eventId = randomUUID();
      published.set(eventId, Date.now());
      sends.push(aws.publish(type, { ...exampleData(type), ...data?.(i) }, { eventId, source: 'buildmarkets.bench' }));
    }
    await Promise.all(sends);
    return published;
  } finally {
    aws.destroy();
  }
}

/** Waits until every (path, event) pair has a receipt, or `timeoutMs`; returns the receipts' latencies (ms after publish). */
export async function awaitReceipts(receiver: ScenarioReceiver, paths: string[], published: Map<string, number>, timeoutMs: number): Promise<number[]> {
  const latencies = () => [...published].flatMap(([id, at]) => paths.flatMap((p) => receiver.received.get(`${p} ${id}`) ?? []).map((got) => got - at));
  const deadline = Date.now() + timeoutMs;
  while (latencies().length < published.size * paths.length && Date.now() < deadline) await sleep(50);
  return latencies();
}

export function latencyOf(latencies: number[], expected: number) {
  const sorted = ascending(latencies);
  return { p50_ms: num(percentile(sorted, 50)), p99_ms: num(percentile(sorted, 99)), delivered: sorted.length, expected };
}

export const p99Ratio = (a: { p99_ms: number }, b: { p99_ms: number }) => num(b.p99_ms / Math.max(1, a.p99_ms), 2);
