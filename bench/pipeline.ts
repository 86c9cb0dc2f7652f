// `pipeline`: PutEvents (up to 10 entries a call) at a fixed offered rate, open loop, fanned out to N webhooks of
// partner `dev` on loopback receivers that verify every signature. Latency per (event_id, webhook) counts from the
// *scheduled* publish time, so a lagging generator cannot hide queueing (no coordinated omission).
import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SUBSCRIBABLE_EVENT_TYPES } from '../lambdas/domain/event-types.js';
import type { LocalState } from '../local/state-file.js';
import { exampleData } from '../test/support/examples.js';
import { type Receipt, Receivers } from './receivers.js';
import type { Runtime } from './runtime.js';
import { webhookRegistry } from './scenario.js';
import { epochMs, progress, round, sleep, summarise } from './util.js';

export const PARTNER = 'dev';

export const loadExamples = () => SUBSCRIBABLE_EVENT_TYPES.map((type) => ({ type, data: exampleData(type) }));

/** Receipts against the events one phase published (`<event_id> <webhook>` once each: duplicates show). */
class Tracker {
  readonly publishedAt = new Map<string, number>();
  private readonly got = new Set<string>();
  readonly failed = new Set<string>();
  readonly latencies: number[] = [];
  readonly firstReceipts: number[] = [];
  counts = { delivered: 0, verified: 0, duplicates: 0, rejected: 0, unexpected: 0 };
  lastReceipt = 0;

  constructor(readonly webhooks: number) {}

  get expected(): number {
    return (this.publishedAt.size - this.failed.size) * this.webhooks;
  }

  receive([eventId, webhook, at, ok]: Receipt): void {
    const published = this.publishedAt.get(eventId);
    if (published === undefined) return void this.counts.unexpected++;
    if (!ok) this.counts.rejected++;
    if (this.got.has(`${eventId} ${webhook}`)) return void this.counts.duplicates++;
    this.got.add(`${eventId} ${webhook}`);
    this.counts.delivered++;
    if (ok) this.counts.verified++;
    this.latencies.push(at - published);
    this.firstReceipts.push(at);
    this.lastReceipt = Math.max(this.lastReceipt, at);
  }

  missing(limit: number) {
    const ids = [...this.publishedAt.keys()].filter((id) => !this.failed.has(id));
    const all = ids.flatMap((id) => Array.from({ length: this.webhooks }, (_, webhook) => ({ event_id: id, webhook })));
    const missing = all.filter((m) => !this.got.has(`${m.event_id} ${m.webhook}`));
    return { count: missing.length, sample: missing.slice(0, limit) };
  }
}

const freshStats = () => ({ maxInFlight: 0, maxQueued: 0, callMs: [] as number[], sendLagMs: [] as number[], errors: 0, failedEntries: 0, errorSamples: [] as string[] });

/** PutEvents calls, at most `inFlightLimit` outstanding (a publisher's connection pool); calls due beyond it wait in the bench. */
export class Publisher {
  private readonly client: EventBridgeClient;
  private readonly examples = loadExamples();
  private next = 0;
  private readonly waiting: (() => void)[] = [];
  inFlight = 0;
  queued = 0;
  stats = freshStats();

  constructor(
    private readonly state: LocalState,
    readonly inFlightLimit: number,
  ) {
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    // No SDK retries: a failed call is counted (and its events are not expected), not hidden.
    this.client = new EventBridgeClient({ region: state.region, endpoint: state.events_url, credentials, maxAttempts: 1, requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 512 }) } });
  }

  async put(count: number, scheduledAt: number, tracker: Tracker): Promise<void> {
    const s = this.stats;
    const entries = Array.from({ length: count }, () => {
      const example = this.examples[this.next++ % this.examples.length]!;
      const eventId = randomUUID();
      tracker.publishedAt.set(eventId, scheduledAt);
      return { eventId, entry: { EventBusName: this.state.event_bus_name, Source: 'buildmarkets.bench', DetailType: example.type, Detail: JSON.stringify({ partner_id: PARTNER, data: example.data, event_id: eventId }) } };
    });
    await this.slot();
    const sentAt = epochMs();
    s.sendLagMs.push(sentAt - scheduledAt);
    s.maxInFlight = Math.max(s.maxInFlight, this.inFlight);
    const sample = (text: string) => s.errorSamples.length < 5 && s.errorSamples.push(text);
    try {
      const result = await this.client.send(new PutEventsCommand({ Entries: entries.map((e) => e.entry) }));
      s.callMs.push(epochMs() - sentAt);
      result.Entries?.forEach((r, i) => {
        if (!r.ErrorCode) return;
        s.failedEntries++;
        tracker.failed.add(entries[i]!.eventId);
        sample(`${r.ErrorCode}: ${r.ErrorMessage ?? ''}`);
      });
    } catch (error) {
      s.errors++;
      for (const e of entries) tracker.failed.add(e.eventId);
      sample(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // the slot passes to the next call waiting (inFlight stays the same)
      else this.inFlight--;
    }
  }

  private async slot(): Promise<void> {
    if (this.inFlight < this.inFlightLimit) return void this.inFlight++;
    this.stats.maxQueued = Math.max(this.stats.maxQueued, ++this.queued);
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.queued--;
  }

  destroy(): void {
    this.client.destroy();
  }
}

export type PipelineContext = Awaited<ReturnType<typeof openPipeline>>;

/** Receivers for `webhooks` webhooks of partner dev (all events, registered through the API) and a publisher; `closePipeline` ends them. */
export async function openPipeline(runtime: Runtime, webhooks: number, maxInFlight: number) {
  const receivers = await Receivers.start(webhooks);
  try {
    const registry = webhookRegistry(runtime.state);
    const created: { id: string; secret: string }[] = [];
    for (let i = 0; i < webhooks; i++) created.push(await registry.create(receivers.url(i), []));
    const [ids, secrets] = [created.map((w) => w.id), created.map((w) => w.secret)];
    receivers.setSecrets(secrets);
    return { runtime, receivers, publisher: new Publisher(runtime.state, maxInFlight), webhooks, secrets, ids };
  } catch (error) {
    await receivers.stop();
    throw error;
  }
}

export async function closePipeline(pc: PipelineContext): Promise<void> {
  pc.publisher.destroy();
  await pc.receivers.stop().catch(() => {});
}

async function waitForDeliveries(tracker: Tracker, ctx: PipelineContext, timeoutMs: number): Promise<boolean> {
  for (const until = Date.now() + timeoutMs; ; await sleep(50)) {
    ctx.runtime.assertRunning();
    await ctx.receivers.flush();
    if (tracker.counts.delivered >= tracker.expected) return true;
    if (Date.now() >= until) return false;
  }
}

/** Warms every handler, connection and cache; then measures single events one at a time. */
export async function warmUp(ctx: PipelineContext) {
  const { receivers, publisher, webhooks } = ctx;
  let tracker = new Tracker(webhooks);
  receivers.record(true, (items) => items.forEach((r) => tracker.receive(r)));
  progress('pipeline: warm-up (40 events)…');
  await Promise.all(Array.from({ length: 4 }, () => publisher.put(10, epochMs(), tracker)));
  if (!(await waitForDeliveries(tracker, ctx, 60_000))) {
    throw new Error(`warm-up: only ${tracker.counts.delivered} of ${tracker.expected} deliveries arrived in 60 s (${publisher.stats.errorSamples.join('; ')})`);
  }
  // One event at a time: the unloaded latency, and PutEvents of one entry (answered after the fan-out ran: ≈ one invocation).
  tracker = new Tracker(webhooks);
  publisher.stats = freshStats();
  for (let i = 0; i < 20; i++) {
    await publisher.put(1, epochMs(), tracker);
    await waitForDeliveries(tracker, ctx, 10_000);
  }
  receivers.record(false);
  return { unloaded: summarise(tracker.latencies), single_put_events_ms: summarise(publisher.stats.callMs) };
}

export type WarmUp = Awaited<ReturnType<typeof warmUp>>;
export type PipelineOptions = { rate: number; durationS: number; batch: number; drainTimeoutS: number };
type Hook = () => Promise<void>;
type Load = { t0: number; loadEnd: number; calls: number; totalEvents: number };

/** A progress line every 2 s while the load is offered and drained. */
function progressTicker({ webhooks, publisher }: PipelineContext, tracker: Tracker, { t0, loadEnd, totalEvents }: Load) {
  return setInterval(() => {
    const at = epochMs();
    const received = `received ${tracker.counts.delivered}/${totalEvents * webhooks}, PutEvents in flight ${publisher.inFlight}, queued ${publisher.queued}`;
    progress(`pipeline ${at < loadEnd ? 'load' : 'drain'} ${((at - t0) / 1000).toFixed(0)} s: published ${tracker.publishedAt.size}/${totalEvents}, ${received}`);
  }, 2000);
}

/** The measured phase. `around` runs right before the first publish and right after the last delivery. */
export async function runPipeline(ctx: PipelineContext, options: PipelineOptions, around: { before?: Hook; after?: Hook } = {}) {
  const { runtime, receivers, publisher, webhooks } = ctx;
  const tracker = new Tracker(webhooks);
  const totalEvents = Math.max(1, Math.round(options.rate * options.durationS));
  const calls = Math.ceil(totalEvents / options.batch);
  await around.before?.();
  publisher.stats = freshStats();
  receivers.record(true, (items) => items.forEach((r) => tracker.receive(r)));
  const cpu0 = { runtime: runtime.cpuSeconds(), receivers: receivers.cpuSeconds(), bench: process.cpuUsage() };
  const [t0, intervalMs] = [epochMs() + 20, (options.batch / options.rate) * 1000];
  const load = { t0, loadEnd: t0 + calls * intervalMs, calls, totalEvents };
  progress(`pipeline: offering ${options.rate} events/s × ${webhooks} webhooks = ${options.rate * webhooks} deliveries/s for ${options.durationS} s (${totalEvents} events, ${options.batch} per PutEvents)`);
  const ticker = progressTicker(ctx, tracker, load);
  const sends: Promise<void>[] = [];
  for (let k = 0; k < calls; k++) {
    const wait = t0 + k * intervalMs - epochMs();
    if (wait > 1) await sleep(wait);
    sends.push(publisher.put(Math.min(options.batch, totalEvents - k * options.batch), t0 + k * intervalMs, tracker));
  }
  await Promise.all(sends);
  await waitForDeliveries(tracker, ctx, options.drainTimeoutS * 1000 - Math.max(0, epochMs() - load.loadEnd));
  clearInterval(ticker);
  const cpu = { window_s: (epochMs() - t0) / 1000, runtime: runtime.cpuSeconds() - cpu0.runtime, receivers: receivers.cpuSeconds() - cpu0.receivers, bench: process.cpuUsage(cpu0.bench) };
  await around.after?.();
  receivers.record(false);
  return pipelineResult(tracker, publisher, options, load, cpu);
}

function pipelineResult(tracker: Tracker, publisher: Publisher, options: PipelineOptions, load: Load, cpu: { window_s: number; runtime: number; receivers: number; bench: NodeJS.CpuUsage }) {
  const { t0, loadEnd } = load;
  const latency = summarise(tracker.latencies);
  const elapsedS = tracker.lastReceipt > 0 ? (tracker.lastReceipt - t0) / 1000 : Number.NaN;
  // Steady state: receipts while the load runs, after its first 20 % (at most 5 s).
  const steadyFrom = t0 + Math.min(5000, 0.2 * (loadEnd - t0));
  const steady = tracker.firstReceipts.filter((t) => t >= steadyFrom && t < loadEnd).length / ((loadEnd - steadyFrom) / 1000);
  const missing = tracker.missing(10);
  const { stats: s, inFlightLimit } = publisher;
  const pct = (cpuS: number) => round((cpuS / cpu.window_s) * 100, 0);
  const { delivered, verified, duplicates, rejected, unexpected } = tracker.counts;
  return {
    offered: { events_per_sec: options.rate, deliveries_per_sec: options.rate * tracker.webhooks, entries_per_put_events: options.batch, duration_s: options.durationS, events: load.totalEvents },
    webhooks: tracker.webhooks,
    /** Deliveries / (last receipt − first scheduled publish): the sustained rate, backlog included. */
    deliveries_per_sec: round(delivered / elapsedS, 0),
    during_load_deliveries_per_sec: round(steady, 0),
    p50_ms: latency.p50_ms, p90_ms: latency.p90_ms, p99_ms: latency.p99_ms, max_ms: latency.max_ms,
    expected: tracker.expected, delivered, verified, missing: missing.count, missing_sample: missing.sample, duplicates,
    rejected_signatures: rejected, unexpected_receipts: unexpected, publish_failed_events: tracker.failed.size,
    elapsed_s: round(elapsedS, 2),
    drain_s: round(tracker.lastReceipt > 0 ? (tracker.lastReceipt - loadEnd) / 1000 : Number.NaN, 2),
    drain_timeout_s: options.drainTimeoutS,
    put_events: {
      calls: load.calls, errors: s.errors, failed_entries: s.failedEntries, error_samples: [...s.errorSamples], latency: summarise(s.callMs),
      in_flight_limit: inFlightLimit, max_in_flight: s.maxInFlight, max_waiting: s.maxQueued, send_lag_p99_ms: summarise(s.sendLagMs).p99_ms,
    },
    cpu: {
      window_s: round(cpu.window_s, 2)!, runtime_cpu_s: round(cpu.runtime, 2), runtime_pct_of_one_core: pct(cpu.runtime), receivers_pct_of_one_core: pct(cpu.receivers),
      bench_pct_of_one_core: pct((cpu.bench.user + cpu.bench.system) / 1e6), runtime_cpu_ms_per_delivery: round((cpu.runtime * 1000) / delivered, 3),
    },
  };
}
