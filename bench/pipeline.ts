// `pipeline`: events published through the runtime's EventBridge endpoint (PutEvents, up to 10
// entries a call) at a fixed offered rate (open loop: a call is sent at its scheduled time
// whatever the earlier ones are doing), fanned out to N webhooks of partner `dev` and delivered
// to the loopback receivers, which verify every signature. Latency is publish → receipt per
// (event_id, webhook), from the *scheduled* publish time, so a lagging generator cannot hide
// queueing (no coordinated omission).
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { LocalState } from '../local/state-file.js';
import { progress } from './log.js';
import { ROOT } from './paths.js';
import type { Receipt, Receivers } from './receiver.js';
import type { Runtime } from './runtime.js';
import { epochMs, type LatencySummary, round, sleep, summarise } from './stats.js';

export const PARTNER = 'dev';
const SOURCE = 'buildmarkets.bench';

type Example = { type: string; data: unknown };

export function loadExamples(): Example[] {
  const dir = join(ROOT, 'events', 'examples');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ type: f.replace(/\.json$/, ''), data: JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown }));
}

/** Registers `count` webhooks of partner dev (all events) on the receivers, through the API. */
export async function registerWebhooks(state: LocalState, receivers: Receivers, count: number): Promise<{ ids: string[]; secrets: string[] }> {
  const ids: string[] = [];
  const secrets: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${state.api_url}/v1/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': state.dev_api_key, 'x-api-secret': state.dev_api_secret },
      body: JSON.stringify({ url: receivers.url(i), events: [] }),
    });
    const body = (await response.json()) as { id?: string; secret?: string };
    if (response.status !== 201 || !body.id || !body.secret) {
      throw new Error(`POST /v1/webhooks answered ${response.status}: ${JSON.stringify(body)}`);
    }
    ids.push(body.id);
    secrets.push(body.secret);
  }
  return { ids, secrets };
}

/** Receipts against the events one phase published. */
class Tracker {
  readonly publishedAt = new Map<string, number>();
  private readonly got = new Map<string, number>();
  private readonly failed = new Set<string>();
  readonly latencies: number[] = [];
  readonly firstReceipts: number[] = [];
  delivered = 0;
  verified = 0;
  duplicates = 0;
  rejected = 0;
  unexpected = 0;
  lastReceipt = 0;

  constructor(readonly webhooks: number) {}

  expect(eventId: string, at: number): void {
    this.publishedAt.set(eventId, at);
  }

  fail(eventId: string): void {
    this.failed.add(eventId);
  }

  get failedEvents(): number {
    return this.failed.size;
  }

  get expected(): number {
    return (this.publishedAt.size - this.failed.size) * this.webhooks;
  }

  receive([eventId, webhook, at, ok]: Receipt): void {
    const published = this.publishedAt.get(eventId);
    if (published === undefined) {
      this.unexpected++;
      return;
    }
    if (!ok) this.rejected++;
    const mask = this.got.get(eventId) ?? 0;
    const bit = 1 << webhook;
    if (mask & bit) {
      this.duplicates++;
      return;
    }
    this.got.set(eventId, mask | bit);
    this.delivered++;
    if (ok) this.verified++;
    this.latencies.push(at - published);
    this.firstReceipts.push(at);
    if (at > this.lastReceipt) this.lastReceipt = at;
  }

  missing(limit: number): { count: number; sample: { event_id: string; webhook: number }[] } {
    const sample: { event_id: string; webhook: number }[] = [];
    let count = 0;
    for (const eventId of this.publishedAt.keys()) {
      if (this.failed.has(eventId)) continue;
      const mask = this.got.get(eventId) ?? 0;
      for (let w = 0; w < this.webhooks; w++) {
        if (mask & (1 << w)) continue;
        count++;
        if (sample.length < limit) sample.push({ event_id: eventId, webhook: w });
      }
    }
    return { count, sample };
  }
}

export class Publisher {
  private readonly client: EventBridgeClient;
  private readonly examples = loadExamples();
  private next = 0;
  inFlight = 0;
  maxInFlight = 0;
  /** Calls due but waiting for a free slot (at most `maxInFlight` calls are outstanding). */
  queued = 0;
  maxQueued = 0;
  private readonly waiting: (() => void)[] = [];
  readonly callMs: number[] = [];
  readonly sendLagMs: number[] = [];
  errors = 0;
  failedEntries = 0;
  readonly errorSamples: string[] = [];
  /** When the last PutEvents call answered (epoch ms): the local bus answers after the fan-out ran. */
  lastDoneAt = 0;

  constructor(
    private readonly state: LocalState,
    /** Outstanding PutEvents calls at most, like a publisher's connection pool; the rest wait in the bench. */
    readonly inFlightLimit = 20,
  ) {
    this.client = new EventBridgeClient({
      region: state.region,
      endpoint: state.events_url,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 512 }) },
      // No SDK retries: a failed call is counted (and its events are not expected), not hidden.
      maxAttempts: 1,
    });
  }

  resetCounters(): void {
    this.maxInFlight = this.inFlight;
    this.maxQueued = this.queued;
    this.callMs.length = 0;
    this.sendLagMs.length = 0;
    this.errors = 0;
    this.failedEntries = 0;
    this.errorSamples.length = 0;
    this.lastDoneAt = 0;
  }

  /** One PutEvents call of `count` events, scheduled at `scheduledAt` (epoch ms). */
  async put(count: number, scheduledAt: number, tracker: Tracker): Promise<void> {
    const entries = Array.from({ length: count }, () => {
      const example = this.examples[this.next++ % this.examples.length]!;
      const eventId = randomUUID();
      return {
        eventId,
        entry: {
          EventBusName: this.state.event_bus_name,
          Source: SOURCE,
          DetailType: example.type,
          Detail: JSON.stringify({ partner_id: PARTNER, data: example.data, event_id: eventId }),
        },
      };
    });
    for (const e of entries) tracker.expect(e.eventId, scheduledAt);
    if (this.inFlight >= this.inFlightLimit) {
      this.queued++;
      if (this.queued > this.maxQueued) this.maxQueued = this.queued;
      // The slot is handed over by the call that finishes (inFlight stays the same).
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      this.queued--;
    } else {
      this.inFlight++;
    }
    const sentAt = epochMs();
    this.sendLagMs.push(sentAt - scheduledAt);
    if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
    try {
      const result = await this.client.send(new PutEventsCommand({ Entries: entries.map((e) => e.entry) }));
      this.callMs.push(epochMs() - sentAt);
      result.Entries?.forEach((r, i) => {
        if (r.ErrorCode) {
          this.failedEntries++;
          tracker.fail(entries[i]!.eventId);
          if (this.errorSamples.length < 5) this.errorSamples.push(`${r.ErrorCode}: ${r.ErrorMessage ?? ''}`);
        }
      });
    } catch (error) {
      this.errors++;
      for (const e of entries) tracker.fail(e.eventId);
      if (this.errorSamples.length < 5) this.errorSamples.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    } finally {
      this.lastDoneAt = Math.max(this.lastDoneAt, epochMs());
      const next = this.waiting.shift();
      if (next) next();
      else this.inFlight--;
    }
  }

  destroy(): void {
    this.client.destroy();
  }
}

async function waitForDeliveries(tracker: Tracker, ctx: PipelineContext, timeoutMs: number, label: string): Promise<boolean> {
  const { receivers, runtime } = ctx;
  const until = Date.now() + timeoutMs;
  let lastReport = Date.now();
  while (Date.now() < until) {
    runtime.assertRunning();
    await receivers.flush();
    if (tracker.delivered >= tracker.expected) return true;
    if (Date.now() - lastReport >= 2000) {
      progress(`${label}: ${tracker.delivered}/${tracker.expected} deliveries received, waiting…`);
      lastReport = Date.now();
    }
    await sleep(50);
  }
  await receivers.flush();
  return tracker.delivered >= tracker.expected;
}

export type PipelineContext = { runtime: Runtime; receivers: Receivers; publisher: Publisher; webhooks: number };

/** Warms every handler, connection and cache; then measures single events one at a time. */
export async function warmUp(ctx: PipelineContext): Promise<{ unloaded: LatencySummary; single_put_events_ms: LatencySummary }> {
  const { receivers, publisher, webhooks } = ctx;
  let tracker = new Tracker(webhooks);
  receivers.record(true, (items) => items.forEach((r) => tracker.receive(r)));
  progress('pipeline: warm-up (40 events)…');
  await Promise.all(Array.from({ length: 4 }, () => publisher.put(10, epochMs(), tracker)));
  if (!(await waitForDeliveries(tracker, ctx, 60_000, 'warm-up'))) {
    throw new Error(`warm-up: only ${tracker.delivered} of ${tracker.expected} deliveries arrived in 60 s (${publisher.errorSamples.join('; ')})`);
  }
  // One event at a time, each waited for: the unloaded latency, and the PutEvents round trip of
  // one entry (the local EventBridge answers after the fan-out handler ran: ≈ one fan-out invocation).
  tracker = new Tracker(webhooks);
  publisher.resetCounters();
  for (let i = 0; i < 20; i++) {
    await publisher.put(1, epochMs(), tracker);
    await waitForDeliveries(tracker, ctx, 10_000, 'probe');
  }
  receivers.record(false);
  return { unloaded: summarise(tracker.latencies), single_put_events_ms: summarise(publisher.callMs) };
}

export type PipelineOptions = { rate: number; durationS: number; batch: number; drainTimeoutS: number };

export type PipelineResult = {
  offered: { events_per_sec: number; deliveries_per_sec: number; entries_per_put_events: number; duration_s: number; events: number };
  webhooks: number;
  /** Deliveries received / (last receipt − first scheduled publish): the sustained rate, backlog included. */
  deliveries_per_sec: number | null;
  /** Receipts per second while the load ran (after its first 20%, at most 5 s): < deliveries_per_sec when delivery starves behind fan-out. */
  during_load_deliveries_per_sec: number | null;
  p50_ms: number | null;
  p90_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
  expected: number;
  delivered: number;
  verified: number;
  missing: number;
  missing_sample: { event_id: string; webhook: number }[];
  duplicates: number;
  rejected_signatures: number;
  unexpected_receipts: number;
  publish_failed_events: number;
  elapsed_s: number | null;
  drain_s: number | null;
  timed_out: boolean;
  drain_timeout_s: number;
  /**
   * Where the time went: the local EventBridge answers PutEvents after the fan-out ran, so
   * `fan_out_events_per_sec` = events / (last PutEvents answer − first publish); and
   * `delivery_only_per_sec` = receipts after that / the time they took (delivery alone, fan-out idle).
   */
  phases: { fan_out_done_s: number | null; fan_out_events_per_sec: number | null; received_during_fan_out: number; delivery_only_per_sec: number | null };
  put_events: {
    calls: number;
    errors: number;
    failed_entries: number;
    error_samples: string[];
    latency: LatencySummary;
    in_flight_limit: number;
    max_in_flight: number;
    /** Calls that were due while `in_flight_limit` calls were outstanding, at most at once. */
    max_waiting: number;
    /** Actual send − scheduled time: how far the publisher fell behind (waiting for a slot included). */
    send_lag_p99_ms: number | null;
  };
  cpu: { window_s: number; runtime_cpu_s: number | null; runtime_pct_of_one_core: number | null; receivers_pct_of_one_core: number | null; bench_pct_of_one_core: number | null; runtime_cpu_ms_per_delivery: number | null };
  per_second: number[];
};

/** The measured phase. `around` runs right before the first publish and right after the last delivery. */
export async function runPipeline(
  ctx: PipelineContext,
  options: PipelineOptions,
  around: { before(): Promise<void>; after(): Promise<void> },
): Promise<PipelineResult> {
  const { runtime, receivers, publisher, webhooks } = ctx;
  const tracker = new Tracker(webhooks);
  const totalEvents = Math.max(1, Math.round(options.rate * options.durationS));
  const calls = Math.ceil(totalEvents / options.batch);
  const intervalMs = (options.batch / options.rate) * 1000;

  await around.before();
  publisher.resetCounters();
  receivers.record(true, (items) => items.forEach((r) => tracker.receive(r)));
  const cpu0 = { runtime: runtime.cpuSeconds(), receivers: receivers.cpuSeconds(), bench: process.cpuUsage() };
  const t0 = epochMs() + 20;
  const loadEnd = t0 + calls * intervalMs;
  progress(
    `pipeline: offering ${options.rate} events/s × ${webhooks} webhooks = ${options.rate * webhooks} deliveries/s for ${options.durationS} s ` +
      `(${totalEvents} events, ${options.batch} per PutEvents)`,
  );

  let lastCount = 0;
  let lastAt = epochMs();
  const ticker = setInterval(() => {
    const now = epochMs();
    const rate = ((tracker.delivered - lastCount) / (now - lastAt)) * 1000;
    lastCount = tracker.delivered;
    lastAt = now;
    const phase = now < loadEnd ? `load ${((now - t0) / 1000).toFixed(0)}/${options.durationS} s` : `drain ${((now - loadEnd) / 1000).toFixed(0)} s`;
    progress(
      `pipeline ${phase}: published ${tracker.publishedAt.size}/${totalEvents} events, received ${tracker.delivered}/${totalEvents * webhooks}` +
        ` (${rate.toFixed(0)}/s now), PutEvents in flight ${publisher.inFlight}, waiting ${publisher.queued}`,
    );
  }, 2000);

  const sends: Promise<void>[] = [];
  for (let k = 0; k < calls; k++) {
    const scheduledAt = t0 + k * intervalMs;
    const wait = scheduledAt - epochMs();
    if (wait > 1) await sleep(wait);
    sends.push(publisher.put(Math.min(options.batch, totalEvents - k * options.batch), scheduledAt, tracker));
  }
  await Promise.all(sends);
  const complete = await waitForDeliveries(tracker, ctx, options.drainTimeoutS * 1000 - Math.max(0, epochMs() - loadEnd), 'pipeline drain');
  clearInterval(ticker);
  const cpuWindowEnd = epochMs();
  const cpu1 = { runtime: runtime.cpuSeconds(), receivers: receivers.cpuSeconds(), bench: process.cpuUsage(cpu0.bench) };
  await around.after();
  receivers.record(false);

  const latency = summarise(tracker.latencies);
  const elapsedS = tracker.lastReceipt > 0 ? (tracker.lastReceipt - t0) / 1000 : Number.NaN;
  // Steady state: receipts while the load runs, after the first 20% (at most 5 s) of it.
  const steadyFrom = t0 + Math.min(5000, 0.2 * (loadEnd - t0));
  const steady = tracker.firstReceipts.filter((t) => t >= steadyFrom && t < loadEnd).length / ((loadEnd - steadyFrom) / 1000);
  const seconds = Math.max(0, Math.ceil(((tracker.lastReceipt || t0) - t0) / 1000));
  const perSecond = new Array<number>(seconds).fill(0);
  for (const t of tracker.firstReceipts) perSecond[Math.min(seconds - 1, Math.max(0, Math.floor((t - t0) / 1000)))]!++;
  const windowS = (cpuWindowEnd - t0) / 1000;
  const runtimeCpu = cpu1.runtime - cpu0.runtime;
  const missing = tracker.missing(10);
  const fanOutDone = publisher.lastDoneAt;
  const afterFanOut = tracker.firstReceipts.filter((t) => t > fanOutDone).length;

  return {
    offered: {
      events_per_sec: options.rate,
      deliveries_per_sec: options.rate * webhooks,
      entries_per_put_events: options.batch,
      duration_s: options.durationS,
      events: totalEvents,
    },
    webhooks,
    deliveries_per_sec: round(tracker.delivered / elapsedS, 0),
    during_load_deliveries_per_sec: round(steady, 0),
    p50_ms: latency.p50_ms,
    p90_ms: latency.p90_ms,
    p99_ms: latency.p99_ms,
    max_ms: latency.max_ms,
    expected: tracker.expected,
    delivered: tracker.delivered,
    verified: tracker.verified,
    missing: missing.count,
    missing_sample: missing.sample,
    duplicates: tracker.duplicates,
    rejected_signatures: tracker.rejected,
    unexpected_receipts: tracker.unexpected,
    publish_failed_events: tracker.failedEvents,
    elapsed_s: round(elapsedS, 2),
    drain_s: round(tracker.lastReceipt > 0 ? (tracker.lastReceipt - loadEnd) / 1000 : Number.NaN, 2),
    timed_out: !complete,
    drain_timeout_s: options.drainTimeoutS,
    phases: {
      fan_out_done_s: round((fanOutDone - t0) / 1000, 2),
      fan_out_events_per_sec: round((tracker.publishedAt.size / (fanOutDone - t0)) * 1000, 0),
      received_during_fan_out: tracker.delivered - afterFanOut,
      delivery_only_per_sec: afterFanOut > 100 ? round((afterFanOut / (tracker.lastReceipt - fanOutDone)) * 1000, 0) : null,
    },
    put_events: {
      calls,
      errors: publisher.errors,
      failed_entries: publisher.failedEntries,
      error_samples: [...publisher.errorSamples],
      latency: summarise(publisher.callMs),
      in_flight_limit: publisher.inFlightLimit,
      max_in_flight: publisher.maxInFlight,
      max_waiting: publisher.maxQueued,
      send_lag_p99_ms: summarise(publisher.sendLagMs).p99_ms,
    },
    cpu: {
      window_s: round(windowS, 2)!,
      runtime_cpu_s: round(runtimeCpu, 2),
      runtime_pct_of_one_core: round((runtimeCpu / windowS) * 100, 0),
      receivers_pct_of_one_core: round(((cpu1.receivers - cpu0.receivers) / windowS) * 100, 0),
      bench_pct_of_one_core: round(((cpu1.bench.user + cpu1.bench.system) / 1e6 / windowS) * 100, 0),
      runtime_cpu_ms_per_delivery: round((runtimeCpu * 1000) / tracker.delivered, 3),
    },
    per_second: perSecond,
  };
}
