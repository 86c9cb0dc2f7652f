// The bench's sections: one runner each, run in the order of SECTION_RUNNERS, sharing what they
// need through BenchContext (the runtime, the receivers and the publisher start on first use and
// stop once at the end). To add a section: its name in SECTIONS (options.ts), its result type in
// Results (report.ts), and its runner below — a section measures and writes its own key of
// `ctx.results`, adds findings for product oddities and throws for what it could not measure.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runApi } from './api.js';
import { runIsolationScenario } from './isolation.js';
import { runOutageSimulation } from './outage.js';
import { runStorm } from './storm.js';
import { runControls } from './controls.js';
import { runSweepBench } from './sweep.js';
import { runColdStart } from './cold-start.js';
import { runConnectionReuse } from './connection-reuse.js';
import { runKmsBench } from './kms.js';
import { allInFromBase, type AllInMeasured, computeCost, type CostWindow } from './cost.js';
import { measureInfoLogBytes } from './log-bytes.js';
import { storedBytesPerItem } from './stored-bytes.js';
import { progress } from './log.js';
import type { Options, Section } from './options.js';
import { type PipelineContext, Publisher, registerWebhooks, runPipeline, warmUp } from './pipeline.js';
import { summariseProfile } from './profile.js';
import { runRaw } from './raw.js';
import { Receivers } from './receiver.js';
import type { Results } from './report.js';
import { type Runtime, startRuntime } from './runtime.js';
import type { ObserverSnapshot } from './sdk-observer.js';
import { round } from './stats.js';

/** The capacity phase of `cost`: events per second offered while DynamoDB units are measured. */
const CAPACITY_RATE = 20;

const dynamodbCalls = (s: ObserverSnapshot) => Object.entries(s.calls).reduce((n, [k, v]) => (k.startsWith('DynamoDB.') ? n + v : n), 0);

/**
 * A snapshot once the runtime's DynamoDB calls have stopped (none for 3 polls 300 ms apart, at
 * most 15 s): a receiver sees a delivery before the worker records it, so a window that ends at
 * the last receipt would miss the last batch's writes (and the next window would get them).
 */
async function settledSnapshot(runtime: Runtime, measureCapacity?: boolean): Promise<ObserverSnapshot> {
  let last = await runtime.snapshot();
  for (let quiet = 0, polls = 0; quiet < 3 && polls < 50; polls++) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const next = await runtime.snapshot();
    quiet = dynamodbCalls(next) === dynamodbCalls(last) ? quiet + 1 : 0;
    last = next;
  }
  return measureCapacity === undefined ? last : runtime.snapshot({ measureCapacity });
}

/** What the sections share. Everything is started on first use; `stop()` ends what was started. */
export class BenchContext {
  private rt?: Runtime;
  private rcv?: { receivers: Receivers; secrets: string[] };
  private publisher?: Publisher;
  private profileDir?: string;
  private profileWindow?: { startUs: number; endUs: number };
  /** The pipeline section's warm-up and its observer snapshots, for `cost`. */
  pipelineRun?: { warm: Awaited<ReturnType<typeof warmUp>>; before: ObserverSnapshot; after: ObserverSnapshot };

  constructor(
    readonly options: Options,
    readonly results: Results,
    readonly runtimeEnv: Record<string, string>,
  ) {}

  async runtime(): Promise<Runtime> {
    if (!this.rt) {
      if (this.options.profile) this.profileDir = mkdtempSync(join(tmpdir(), 'bmw-bench-profile-'));
      progress(`starting the local runtime${this.profileDir ? ' (with --cpu-prof)' : ''}…`);
      this.rt = await startRuntime({ env: this.runtimeEnv, nodeFlags: this.profileDir ? ['--cpu-prof', '--cpu-prof-dir', this.profileDir] : [] });
      progress(`runtime up (pid ${this.rt.pid}): API ${this.rt.state.api_url}, EventBridge ${this.rt.state.events_url}`);
    }
    return this.rt;
  }

  /** The loopback receivers, with `--webhooks` webhooks of partner dev registered on them. */
  async receivers(): Promise<{ receivers: Receivers; secrets: string[] }> {
    if (!this.rcv) {
      const runtime = await this.runtime();
      const receivers = await Receivers.start(this.options.webhooks);
      this.rcv = { receivers, secrets: await registerWebhooks(runtime.state, receivers, this.options.webhooks) };
      progress(`${this.options.webhooks} webhooks of partner dev registered on receivers at ports ${receivers.ports.join(', ')}`);
    }
    return this.rcv;
  }

  async pipelineContext(): Promise<PipelineContext> {
    const runtime = await this.runtime();
    const { receivers } = await this.receivers();
    this.publisher ??= new Publisher(runtime.state, this.options.maxInFlight);
    return { runtime, receivers, publisher: this.publisher, webhooks: this.options.webhooks };
  }

  startProfileWindow(): void {
    if (this.profileDir) this.profileWindow = { startUs: Number(process.hrtime.bigint() / 1000n), endUs: 0 };
  }

  endProfileWindow(): void {
    if (this.profileWindow) this.profileWindow.endUs = Number(process.hrtime.bigint() / 1000n);
  }

  /** Stops the receivers and the runtime (keeping what the runtime printed), then reads the profile. */
  async stop(): Promise<void> {
    const { results } = this;
    this.publisher?.destroy();
    this.publisher = undefined;
    await this.rcv?.receivers.stop().catch(() => {});
    this.rcv = undefined;
    if (this.rt) {
      const r = this.rt;
      this.rt = undefined;
      const code = await r.stop();
      results.runtime_output = summariseOutput(r.lines());
      if (code !== 0) results.findings.push(`the runtime exited with code ${code} on SIGTERM (see runtime_output)`);
      const levels = results.runtime_output.by_level;
      if (Object.keys(levels).length) results.findings.push(`the runtime printed ${Object.entries(levels).map(([l, n]) => `${n} ${l}`).join(', ')} line(s) at LOG_LEVEL=warn (see runtime_output)`);
    }
    if (this.profileDir) {
      if (this.profileWindow?.endUs) {
        try {
          results.profile = summariseProfile(this.profileDir, this.profileWindow);
        } catch (error) {
          results.errors.push(`profile: ${(error as Error).message}`);
        }
      }
      rmSync(this.profileDir, { recursive: true, force: true });
      this.profileDir = undefined;
    }
  }
}

/** What the runtime printed while the bench ran (LOG_LEVEL=warn: warnings and errors), condensed. */
export function summariseOutput(lines: string[]): NonNullable<Results['runtime_output']> {
  const levels: Record<string, number> = {};
  const messages = new Map<string, number>();
  const other: string[] = [];
  for (const line of lines) {
    if (/^(SIGTERM|SIGINT): stopping/.test(line.trim())) continue;
    try {
      const entry = JSON.parse(line) as { level?: string; message?: string; error?: unknown };
      levels[entry.level ?? '?'] = (levels[entry.level ?? '?'] ?? 0) + 1;
      const key = `${entry.level}: ${entry.message}${entry.error ? ` — ${JSON.stringify(entry.error).slice(0, 200)}` : ''}`;
      messages.set(key, (messages.get(key) ?? 0) + 1);
    } catch {
      levels.unstructured = (levels.unstructured ?? 0) + 1;
      if (other.length < 20) other.push(line.slice(0, 300));
    }
  }
  return {
    lines: lines.length,
    by_level: levels,
    messages: [...messages].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([message, count]) => ({ count, message })),
    unstructured_sample: other,
  };
}

export type SectionRunner = (ctx: BenchContext) => Promise<void>;

/** Bundle import times, first, while nothing else of the bench runs. */
const coldStart: SectionRunner = async ({ options, results }) => {
  results.cold_start = await runColdStart({ runs: options.coldRuns, full: !options.quick });
  progress(`cold_start: slowest import ${results.cold_start.max_ms} ms (${results.cold_start.max_ms_handler}), biggest ${results.cold_start.max_kb} KB`);
};

/** Throughput and latency through the whole local pipeline (the observer only counts calls meanwhile). */
const pipeline: SectionRunner = async (ctx) => {
  const { options, results } = ctx;
  const pc = await ctx.pipelineContext();
  const warm = await warmUp(pc);
  progress(`warm-up done: one event at a time p50 ${warm.unloaded.p50_ms} ms; PutEvents of one entry p50 ${warm.single_put_events_ms.p50_ms} ms`);
  const drainTimeoutS = options.drainTimeoutS || Math.max(60, Math.ceil((options.rate * options.durationS * options.webhooks) / 150));
  let before: ObserverSnapshot | undefined;
  let after: ObserverSnapshot | undefined;
  const run = await runPipeline(pc, { ...options, drainTimeoutS }, {
    before: async () => {
      before = await pc.runtime.snapshot();
      ctx.startProfileWindow();
    },
    after: async () => {
      ctx.endProfileWindow();
      after = await pc.runtime.snapshot();
    },
  });
  ctx.pipelineRun = { warm, before: before!, after: after! };
  results.pipeline = { ...run, warm_up: warm };
  // Issue 18: latency where a user meets it, at 50 % and 80 % of the capacity just measured, not only at overload.
  for (const pct of run.deliveries_per_sec ? ([50, 80] as const) : []) {
    const rate = Math.max(1, Math.round((run.deliveries_per_sec! * pct) / 100 / options.webhooks));
    const paced = await runPipeline(pc, { ...options, rate, drainTimeoutS }, { before: async () => undefined, after: async () => undefined });
    results.pipeline[`p99_ms_at_${pct}pct`] = paced.p99_ms;
    results.pipeline[`p50_ms_at_${pct}pct`] = paced.p50_ms;
    progress(`pipeline at ${pct} % of capacity (${rate} events/s × ${options.webhooks}): p50 ${paced.p50_ms} ms, p99 ${paced.p99_ms} ms, ${paced.delivered}/${paced.expected} delivered`);
    if (paced.missing > 0) results.findings.push(`pipeline at ${pct} %: ${paced.missing} deliveries missing`);
  }
  progress(`pipeline: ${run.deliveries_per_sec} deliveries/s, p50 ${run.p50_ms} ms, p99 ${run.p99_ms} ms, ${run.delivered}/${run.expected} delivered, ${run.missing} missing`);
  if (run.missing > 0) results.findings.push(`${run.missing} deliveries missing after the drain timeout (${run.drain_timeout_s} s)`);
  if (run.duplicates > 0) results.findings.push(`${run.duplicates} duplicate deliveries`);
  if (run.rejected_signatures > 0) results.findings.push(`${run.rejected_signatures} deliveries failed signature verification`);
  if (run.put_events.errors + run.put_events.failed_entries > 0) {
    results.findings.push(`PutEvents: ${run.put_events.errors} failed calls, ${run.put_events.failed_entries} failed entries`);
  }
};

/**
 * Calls and SQS requests per delivery from the pipeline window; DynamoDB units from a short
 * paced phase of its own with the observer's unit measurement on (it reads every written item
 * before and after, so it is never on while throughput is measured).
 */
const cost: SectionRunner = async (ctx) => {
  const { options, results } = ctx;
  const p = results.pipeline;
  if (!p || !ctx.pipelineRun) throw new Error('cost needs the pipeline section');
  const pc = await ctx.pipelineContext();
  let capacity: CostWindow | undefined;
  let requestBytes = { bytes: 0, received: 0 };
  try {
    const stats0 = await pc.receivers.stats();
    let before: ObserverSnapshot | undefined;
    let after: ObserverSnapshot | undefined;
    const run = await runPipeline(pc, { rate: CAPACITY_RATE, durationS: options.quick ? 3 : 10, batch: options.batch, drainTimeoutS: 60 }, {
      before: async () => void (before = await settledSnapshot(pc.runtime, true)),
      after: async () => void (after = await settledSnapshot(pc.runtime, false)),
    });
    capacity = { before: before!, after: after!, delivered: run.delivered, events: run.offered.events - run.publish_failed_events };
    const stats1 = await pc.receivers.stats();
    requestBytes = { bytes: stats1.request_bytes - stats0.request_bytes, received: stats1.received - stats0.received };
    if (run.missing > 0) results.findings.push(`cost capacity phase: ${run.missing} deliveries missing`);
  } catch (error) {
    results.errors.push(`cost: capacity phase: ${(error as Error).message}`);
  }
  // Issue 19: what the all-in model measures beyond units and calls.
  const allIn: AllInMeasured = {
    logBytesPerEvent: null,
    logBytesPerDelivery: null,
    logSource: 'not measured',
    historyItemBytes: null,
    eventItemBytes: null,
    requestBytesPerAttempt: requestBytes.received > 0 ? requestBytes.bytes / requestBytes.received : null,
  };
  try {
    allIn.historyItemBytes = (await storedBytesPerItem(pc.runtime.state, 'deliveries')).bytes_per_item;
    allIn.eventItemBytes = (await storedBytesPerItem(pc.runtime.state, 'events')).bytes_per_item;
  } catch (error) {
    results.errors.push(`cost: stored bytes: ${(error as Error).message}`);
  }
  try {
    const logs = await measureInfoLogBytes({ env: ctx.runtimeEnv, webhooks: options.webhooks, rate: CAPACITY_RATE, durationS: 3, batch: options.batch, maxInFlight: options.maxInFlight });
    allIn.logBytesPerEvent = logs.bytes_per_event;
    allIn.logBytesPerDelivery = logs.bytes_per_delivery;
    allIn.logSource = `measured: a second runtime at LOG_LEVEL=info, ${logs.events} events × ${options.webhooks} webhooks at ${CAPACITY_RATE}/s, ${logs.lines} lines, ${logs.bytes} B (${Object.entries(logs.by_message).map(([m, v]) => `${v.lines} × "${m}"`).join(', ')})`;
    results.cost_info_logs = logs;
  } catch (error) {
    results.errors.push(`cost: info-level log bytes: ${(error as Error).message}`);
  }
  results.cost = computeCost({
    window: { before: ctx.pipelineRun.before, after: ctx.pipelineRun.after, delivered: p.delivered, events: p.offered.events - p.publish_failed_events },
    capacity,
    webhooks: options.webhooks,
    deliveriesPerSec: p.deliveries_per_sec ?? 0,
    deliveryConcurrency: options.deliveryConcurrency ?? 4,
    fanOutMs: ctx.pipelineRun.warm.single_put_events_ms.p50_ms ?? 0,
    deliverBatchMs: options.deliverMs,
    tableNames: pc.runtime.state.tables,
    allIn,
  });
  finishAllInCost(results);
  const c = results.cost;
  progress(`cost: ${c.calls_per_delivery} AWS API calls, ${c.dynamodb_wru_per_delivery} WRU, ${c.dynamodb_rru_per_delivery} RRU per delivery; $${c.usd_per_million_deliveries.total} per million deliveries ($${c.usd_per_million_deliveries_provisioned.total} with the provisioned option)`);
};

/**
 * Issue 19: (re)computes cost.usd_per_million_all_in from the cost section's measured base, with
 * the kms and connection_reuse sections' results if they ran (they run after cost: run.ts calls
 * this again once every section has run).
 */
export function finishAllInCost(results: Results): void {
  const base = results.cost?.all_in_base;
  if (!results.cost || !base) return;
  const r = results.connection_reuse;
  results.cost.usd_per_million_all_in = allInFromBase(base, {
    kmsCallsPerDelivery: results.kms?.kms_calls_per_delivery,
    handshakesSavedRatio: r && r.without_reuse.tls_handshakes > 0 ? r.handshakes_saved / r.without_reuse.tls_handshakes : undefined,
  });
}

/** Signed POSTs straight to the receivers: the ceiling the pipeline is compared with. */
const raw: SectionRunner = async (ctx) => {
  const { options, results } = ctx;
  const { receivers, secrets } = await ctx.receivers();
  results.raw = await runRaw(receivers, secrets, { concurrency: options.rawConcurrency, durationS: options.rawDurationS });
  progress(`raw: ${results.raw.posts_per_sec} signed POSTs/s`);
  if (results.pipeline?.deliveries_per_sec != null && results.raw.posts_per_sec) {
    results.ratio = round(results.pipeline.deliveries_per_sec / results.raw.posts_per_sec, 3);
  }
};

/** Issue 18: the delivery sender's keep-alive pool against local HTTPS receivers, with and without it. */
const connectionReuse: SectionRunner = async ({ options, results }) => {
  const r = await runConnectionReuse({ endpoints: 4, batchSize: 10, batches: options.quick ? 30 : 100 });
  results.connection_reuse = r;
  progress(
    `connection_reuse: TLS handshakes ${r.without_reuse.tls_handshakes} without the pool, ${r.with_reuse.tls_handshakes} with (${r.handshakes_saved} saved); ` +
      `attempt p50 ${r.without_reuse.attempt_ms.p50_ms} → ${r.with_reuse.attempt_ms.p50_ms} ms, batch p50 ${r.without_reuse.batch_ms.p50_ms} → ${r.with_reuse.batch_ms.p50_ms} ms`,
  );
  const failed = r.without_reuse.failed + r.with_reuse.failed;
  if (failed > 0) results.findings.push(`connection_reuse: ${failed} attempts failed`);
};

const api: SectionRunner = async (ctx) => {
  const runtime = await ctx.runtime();
  ctx.results.api = await runApi(runtime.state, runtime.dataDir, { connections: ctx.options.apiConnections, durationS: ctx.options.apiDurationS });
};

/** Every section, in the order they run. New sections go here (and in SECTIONS, options.ts). */
/** SPEC §9: healthy endpoints' p99 beside one that never answers, against the same load alone. */
const isolation: SectionRunner = async (ctx) => {
  const runtime = await ctx.runtime();
  const r = await runIsolationScenario(runtime.state, { rate: 20, seconds: ctx.options.quick ? 5 : 10, healthy: 4 });
  ctx.results.isolation = r;
  progress(`isolation: healthy p99 ${r.alone_p99_ms} ms alone, ${r.beside_bad_p99_ms} ms beside a black hole (×${r.ratio}); ${r.healthy_delivered}/${r.healthy_expected} delivered`);
  if (r.healthy_delivered < r.healthy_expected) ctx.results.findings.push(`isolation: ${r.healthy_expected - r.healthy_delivered} healthy deliveries missing`);
};

/**
 * Issue 18: 16 healthy endpoints alone, then beside 3 black holes and 3 endpoints answering in 3 s
 * (10 events/s); a full run adds 200 webhooks with 20 % bad (1 event/s). Its own runtime each.
 */
const storm: SectionRunner = async (ctx) => {
  const r = await runStorm({ healthy: 16, holes: 3, slow: 3, rate: 10, seconds: ctx.options.quick ? 10 : 20 });
  ctx.results.storm = r;
  progress(`storm: healthy p99 ${r.alone.p99_ms} ms alone, ${r.storm.p99_ms} ms in the storm (×${r.ratio}); slow endpoints ${r.slow_endpoints.map((e) => `${e.received}/${e.expected} in ${e.seconds_to_last} s`).join(', ')}`);
  if (r.lost > 0) ctx.results.findings.push(`storm: ${r.lost} healthy deliveries missing`);
  if (!ctx.options.quick) {
    const large = await runStorm({ healthy: 160, holes: 20, slow: 20, rate: 1, seconds: 20 });
    ctx.results.storm.large = large;
    progress(`storm (200 webhooks, 20 % bad): healthy p99 ${large.alone.p99_ms} ms alone, ${large.storm.p99_ms} ms in the storm (×${large.ratio})`);
    if (large.lost > 0) ctx.results.findings.push(`storm (large): ${large.lost} healthy deliveries missing`);
  }
};

/** Issue 20: the rate limit held against 50 events/s, a neighbour's p99; ordering's throughput cost (its own runtime). */
const controls: SectionRunner = async (ctx) => {
  const r = await runControls();
  ctx.results.controls = r;
  progress(`controls: rate limit ${r.rate_limit.max_in_any_second} in any second (limit 5), ${r.rate_limit.received}/${r.rate_limit.events}; ordering ${r.ordering.per_entity.deliveries_per_s} vs ${r.ordering.none.deliveries_per_s} deliveries/s, in order ${r.ordering.per_entity.in_order}`);
  if (r.rate_limit.max_in_any_second > 5) ctx.results.findings.push('controls: the rate limit was exceeded');
  if (!r.ordering.per_entity.in_order) ctx.results.findings.push('controls: per_entity events out of order');
};

/** SPEC §9: an outage on a compressed schedule (its own runtime): in flight stays bounded, nothing is lost. */
const outage: SectionRunner = async (ctx) => {
  const r = await runOutageSimulation({ rate: ctx.options.quick ? 20 : 50, outageSeconds: ctx.options.quick ? 15 : 30 });
  ctx.results.outage = r;
  progress(`outage: in flight max ${r.in_flight_max}, parked max ${r.parked_max}; ${r.delivered_to_recovered}/${r.events} delivered after recovery (${r.recovery_s} s), ${r.lost} lost`);
  if (r.lost > 0) ctx.results.findings.push(`outage: ${r.lost} events never reached the recovered endpoint`);
};

/** Issue 9: how fast the sweeper re-queues parked jobs from the sharded due index (its own runtime). */
const sweep: SectionRunner = async (ctx) => {
  const r = await runSweepBench({ jobs: ctx.options.quick ? 5_000 : 20_000 });
  ctx.results.sweep = r;
  progress(`sweep: ${r.requeued}/${r.parked} parked jobs re-queued in ${r.seconds} s (${r.jobs_per_sec}/s)`);
  if (r.requeued < r.parked) ctx.results.findings.push(`sweep: ${r.parked - r.requeued} parked jobs not re-queued in one run`);
};

/** Issue 19: KMS requests per delivery with envelope encryption, 100,000 webhooks, against a counting KMS fake. */
const kms: SectionRunner = async ({ options, results }) => {
  const r = await runKmsBench(options.quick ? { deliveries: 200_000, baselineDeliveries: 20_000 } : {});
  results.kms = r;
  progress(
    `kms: ${r.creation.data_keys} data keys for ${r.options.webhooks} webhooks; KMS calls per delivery uniform ${r.envelope.uniform.kms_calls_per_delivery}, ` +
      `skewed ${r.envelope.skewed.kms_calls_per_delivery} (before: ${r.baseline_kms1.uniform.kms_calls_per_delivery}); $${r.usd_per_month_at_rate}/month at ${r.options.deliveriesPerSec}/s`,
  );
};

export const SECTION_RUNNERS: { readonly [S in Section]: SectionRunner } = {
  cold_start: coldStart,
  pipeline,
  cost,
  raw,
  connection_reuse: connectionReuse,
  // Before api: its failed-authentication flood blocks 127.0.0.1 for a minute.
  isolation,
  storm,
  controls,
  outage,
  sweep,
  kms,
  api,
};
