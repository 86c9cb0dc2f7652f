// The sections in SECTION_RUNNERS' order, sharing the runtime, receivers and publisher through BenchContext. A section
// writes its key of `ctx.results`, adds findings for product oddities and throws for what it could not measure.
import { runApi } from './api.js';
import { runColdStart } from './cold-start.js';
import { runConnectionReuse } from './connection-reuse.js';
import { runControls } from './controls.js';
import { allInFromBase, type AllInMeasured, computeCost, type CostWindow } from './cost.js';
import { runDeliveryCpu } from './delivery-cpu.js';
import { runIsolationScenario } from './isolation.js';
import { runKmsBench } from './kms.js';
import { measureInfoLogBytes } from './log-bytes.js';
import type { Options, Section } from './options.js';
import { runOutageSimulation } from './outage.js';
import { closePipeline, openPipeline, type PipelineContext, runPipeline, type WarmUp, warmUp } from './pipeline.js';
import { runRaw } from './raw.js';
import type { Results } from './report.js';
import { type Runtime, startRuntime } from './runtime.js';
import type { ObserverSnapshot } from '../local/sdk-observer.js';
import { storedBytesPerItem } from './stored-bytes.js';
import { runStorm } from './storm.js';
import { runSweepBench } from './sweep.js';
import { parseLogLine, progress, round, sleep } from './util.js';

/** The capacity phase of `cost`: events per second offered while DynamoDB units are measured. */
const CAPACITY_RATE = 20;

/** What the sections share. Everything is started on first use; `stop()` ends what was started. */
export class BenchContext {
  private rt?: Runtime;
  private pc?: PipelineContext;
  /** The pipeline section's warm-up and its observer snapshots, for `cost`. */
  pipelineRun?: { warm: WarmUp; before: ObserverSnapshot; after: ObserverSnapshot };

  constructor(
    readonly options: Options,
    readonly results: Results,
  ) {}

  async runtime(): Promise<Runtime> {
    if (this.rt) return this.rt;
    progress('starting the local runtime…');
    this.rt = await startRuntime({ env: this.results.runtime_env });
    progress(`runtime up (pid ${this.rt.pid}): API ${this.rt.state.api_url}, EventBridge ${this.rt.state.events_url}`);
    return this.rt;
  }

  async pipeline(): Promise<PipelineContext> {
    if (this.pc) return this.pc;
    this.pc = await openPipeline(await this.runtime(), this.options.webhooks, this.options.maxInFlight);
    progress(`${this.options.webhooks} webhooks of partner dev registered on receivers at ports ${this.pc.receivers.ports.join(', ')}`);
    return this.pc;
  }

  /** Stops the receivers and the runtime, keeping what the runtime printed. */
  async stop(): Promise<void> {
    const { results, pc, rt } = this;
    [this.pc, this.rt] = [undefined, undefined];
    if (pc) await closePipeline(pc);
    if (rt) {
      const code = await rt.stop();
      results.runtime_output = summariseOutput(rt.lines());
      if (code !== 0) results.findings.push(`the runtime exited with code ${code} on SIGTERM (see runtime_output)`);
      const levels = Object.entries(results.runtime_output.by_level);
      if (levels.length) results.findings.push(`the runtime printed ${levels.map(([l, n]) => `${n} ${l}`).join(', ')} line(s) at LOG_LEVEL=warn (see runtime_output)`);
    }
  }
}

/** What the runtime printed while the bench ran (LOG_LEVEL=warn: warnings and errors), condensed. */
export function summariseOutput(lines: string[]) {
  const [levels, messages]: [Record<string, number>, Record<string, number>] = [{}, {}];
  for (const line of lines.filter((l) => !/^(SIGTERM|SIGINT): stopping/.test(l.trim()))) {
    const log = parseLogLine(line);
    const level = log ? (log.level ?? '?') : 'unstructured';
    const text = log ? `${level}: ${log.message}${log.error ? ` — ${JSON.stringify(log.error).slice(0, 200)}` : ''}` : line.slice(0, 300);
    levels[level] = (levels[level] ?? 0) + 1;
    messages[text] = (messages[text] ?? 0) + 1;
  }
  const top = Object.entries(messages).sort((a, b) => b[1] - a[1]).slice(0, 15).map(([message, count]) => ({ count, message }));
  return { lines: lines.length, by_level: levels, messages: top };
}

export type SectionRunner = (ctx: BenchContext) => Promise<void>;
const finding = (ctx: BenchContext, condition: boolean, text: string) => condition && ctx.results.findings.push(text);

/** Throughput and latency through the whole local pipeline (the observer only counts calls meanwhile); then at 50 % and 80 % of that capacity. */
const pipeline: SectionRunner = async (ctx) => {
  const { options, results } = ctx;
  const pc = await ctx.pipeline();
  const warm = await warmUp(pc);
  progress(`warm-up done: one event at a time p50 ${warm.unloaded.p50_ms} ms; PutEvents of one entry p50 ${warm.single_put_events_ms.p50_ms} ms`);
  const drainTimeoutS = options.drainTimeoutS || Math.max(60, Math.ceil((options.rate * options.durationS * options.webhooks) / 150));
  const snapshots: ObserverSnapshot[] = [];
  const mark = async () => void snapshots.push(await pc.runtime.snapshot());
  const run = await runPipeline(pc, { ...options, drainTimeoutS }, { before: mark, after: mark });
  ctx.pipelineRun = { warm, before: snapshots[0]!, after: snapshots[1]! };
  results.pipeline = { ...run, warm_up: warm };
  for (const pct of run.deliveries_per_sec ? ([50, 80] as const) : []) {
    const rate = Math.max(1, Math.round((run.deliveries_per_sec! * pct) / 100 / options.webhooks));
    const paced = await runPipeline(pc, { ...options, rate, drainTimeoutS });
    results.pipeline[`p99_ms_at_${pct}pct`] = paced.p99_ms;
    results.pipeline[`p50_ms_at_${pct}pct`] = paced.p50_ms;
    finding(ctx, paced.missing > 0, `pipeline at ${pct} %: ${paced.missing} deliveries missing`);
  }
  finding(ctx, run.duplicates > 0, `${run.duplicates} duplicate deliveries`);
  finding(ctx, run.rejected_signatures > 0, `${run.rejected_signatures} deliveries failed signature verification`);
  finding(ctx, run.put_events.errors + run.put_events.failed_entries > 0, `PutEvents: ${run.put_events.errors} failed calls, ${run.put_events.failed_entries} failed entries`);
};

/** A snapshot once the DynamoDB calls stop (3 quiet polls, 15 s at most): a receipt comes before the worker records it. */
async function settledSnapshot(runtime: Runtime, measureCapacity: boolean): Promise<ObserverSnapshot> {
  const dynamodbCalls = (s: ObserverSnapshot) => Object.entries(s.calls).reduce((n, [k, v]) => (k.startsWith('DynamoDB.') ? n + v : n), 0);
  let last = await runtime.snapshot();
  for (let quiet = 0, polls = 0; quiet < 3 && polls < 50; polls++) {
    await sleep(300);
    const next = await runtime.snapshot();
    quiet = dynamodbCalls(next) === dynamodbCalls(last) ? quiet + 1 : 0;
    last = next;
  }
  return runtime.snapshot({ measureCapacity });
}

/** DynamoDB units in a short paced phase of their own, with the observer's unit measurement on (never while throughput is measured); request bytes at the receivers. */
async function capacityPhase(ctx: BenchContext, pc: PipelineContext) {
  const stats0 = await pc.receivers.stats();
  const snapshots: ObserverSnapshot[] = [];
  const run = await runPipeline(pc, { rate: CAPACITY_RATE, durationS: ctx.options.quick ? 3 : 10, batch: ctx.options.batch, drainTimeoutS: 60 }, {
    before: async () => void snapshots.push(await settledSnapshot(pc.runtime, true)),
    after: async () => void snapshots.push(await settledSnapshot(pc.runtime, false)),
  });
  const stats1 = await pc.receivers.stats();
  finding(ctx, run.missing > 0, `cost capacity phase: ${run.missing} deliveries missing`);
  const capacity: CostWindow = { before: snapshots[0]!, after: snapshots[1]!, delivered: run.delivered, events: run.offered.events - run.publish_failed_events };
  const received = stats1.received - stats0.received;
  return { capacity, requestBytesPerAttempt: received > 0 ? (stats1.request_bytes - stats0.request_bytes) / received : null };
}

/** A part of `cost` that may fail alone: its error is an error of the results, and the section goes on without it. */
const costPart = <T>(results: Results, part: string, work: () => Promise<T>) =>
  work().catch((error: unknown) => void results.errors.push(`cost: ${part}: ${(error as Error).message}`));

/** What the all-in cost model measures beyond units and calls. */
async function allInMeasured(ctx: BenchContext, pc: PipelineContext, requestBytesPerAttempt: number | null): Promise<AllInMeasured> {
  const { options, results } = ctx;
  const measured: AllInMeasured = {
    logBytesPerEvent: null, logBytesPerDelivery: null, logSource: 'not measured', historyItemBytes: null, eventItemBytes: null, requestBytesPerAttempt,
  };
  await costPart(results, 'stored bytes', async () => {
    measured.historyItemBytes = await storedBytesPerItem(pc.runtime.state, 'deliveries');
    measured.eventItemBytes = await storedBytesPerItem(pc.runtime.state, 'events');
  });
  await costPart(results, 'info-level log bytes', async () => {
    const logs = await measureInfoLogBytes({ env: results.runtime_env, webhooks: options.webhooks, rate: CAPACITY_RATE, durationS: 3, batch: options.batch, maxInFlight: options.maxInFlight });
    [measured.logBytesPerEvent, measured.logBytesPerDelivery] = [logs.bytes_per_event, logs.bytes_per_delivery];
    const messages = Object.entries(logs.by_message).map(([m, v]) => `${v.lines} × "${m}"`).join(', ');
    measured.logSource = `measured: a second runtime at LOG_LEVEL=info, ${logs.events} events × ${options.webhooks} webhooks at ${CAPACITY_RATE}/s, ${logs.lines} lines, ${logs.bytes} B (${messages})`;
    results.cost_info_logs = logs;
  });
  return measured;
}

/** Calls and SQS requests per delivery from the pipeline window, DynamoDB units from the capacity phase, priced. */
const cost: SectionRunner = async (ctx) => {
  const { options, results, pipelineRun } = ctx;
  const p = results.pipeline;
  if (!p || !pipelineRun) throw new Error('cost needs the pipeline section');
  const pc = await ctx.pipeline();
  const phase = await costPart(results, 'capacity phase', () => capacityPhase(ctx, pc));
  results.cost = computeCost({
    window: { before: pipelineRun.before, after: pipelineRun.after, delivered: p.delivered, events: p.offered.events - p.publish_failed_events },
    capacity: phase?.capacity,
    fanOutMs: pipelineRun.warm.single_put_events_ms.p50_ms ?? 0, deliverBatchMs: options.deliverMs, tableNames: pc.runtime.state.tables,
    allIn: await allInMeasured(ctx, pc, phase?.requestBytesPerAttempt ?? null),
  });
  finishAllInCost(results);
};

/** (Re)computes cost.usd_per_million_all_in with the kms and connection_reuse sections' results if they ran (they run after cost: run.ts calls this again at the end). */
export function finishAllInCost(results: Results): void {
  if (!results.cost?.all_in_base) return;
  const r = results.connection_reuse;
  const handshakesSavedRatio = r && r.without_reuse.tls_handshakes > 0 ? r.handshakes_saved / r.without_reuse.tls_handshakes : undefined;
  results.cost.usd_per_million_all_in = allInFromBase(results.cost.all_in_base, { kmsCallsPerDelivery: results.kms?.kms_calls_per_delivery, handshakesSavedRatio });
}

/** Signed POSTs straight to the receivers: the ceiling the pipeline is compared with. */
const raw: SectionRunner = async (ctx) => {
  const { options, results } = ctx;
  const { receivers, secrets } = await ctx.pipeline();
  results.raw = await runRaw(receivers, secrets, { concurrency: options.rawConcurrency, durationS: options.rawDurationS });
  if (results.pipeline?.deliveries_per_sec != null && results.raw.posts_per_sec) results.ratio = round(results.pipeline.deliveries_per_sec / results.raw.posts_per_sec, 3);
};

/** The storm: 16 healthy endpoints alone, then beside 3 black holes and 3 endpoints answering in 3 s (10 events/s); a full run adds 200 webhooks with 20 % bad (0.5 events/s each: every event is a burst of 200 deliveries, and at 1 event/s the bursts alone filled the local runtime). */
const storm: SectionRunner = async (ctx) => {
  const r: NonNullable<Results['storm']> = (ctx.results.storm = await runStorm({ healthy: 16, holes: 3, slow: 3, rate: 10, healthyRate: 5, seconds: ctx.options.quick ? 10 : 20 }));
  finding(ctx, r.lost > 0, `storm: ${r.lost} healthy deliveries missing`);
  if (ctx.options.quick) return;
  const large = (r.large = await runStorm({ healthy: 160, holes: 20, slow: 20, rate: 0.5, healthyRate: 0.5, seconds: 20 }));
  finding(ctx, large.lost > 0, `storm (large): ${large.lost} healthy deliveries missing`);
};

/** The sections on the shared runtime and receivers: once any other section starts, they are stopped (run.ts). */
export const SHARED_RUNTIME_SECTIONS: ReadonlySet<string> = new Set(['pipeline', 'cost', 'raw', 'isolation', 'api']);

/** Every section, in the order they run (each also in SECTIONS, options.ts); SHARED_RUNTIME_SECTIONS first. */
export const SECTION_RUNNERS: { readonly [S in Section]: SectionRunner } = {
  /** Bundle import times, first, while nothing else of the bench runs. */
  cold_start: async ({ options, results }) => void (results.cold_start = await runColdStart({ runs: options.coldRuns })),
  pipeline,
  cost,
  raw,
  // Before api: its failed-authentication flood blocks 127.0.0.1 for a minute.
  /** SPEC §9: healthy endpoints' p99 beside one that never answers, against the same load alone. */
  isolation: async (ctx) =>
    void (ctx.results.isolation = await runIsolationScenario((await ctx.runtime()).state, { rate: 20, seconds: ctx.options.quick ? 5 : 10, healthy: 4 })),
  api: async (ctx) => void (ctx.results.api = await runApi((await ctx.runtime()).state, { connections: ctx.options.apiConnections, durationS: ctx.options.apiDurationS })),
  // The sections above share one runtime and its receivers (BenchContext); those stop before the ones below, which
  // start their own: an idle runtime's pollers and sweeper would take CPU from them (the storm ratio most of all).
  /** The delivery sender's keep-alive pool against local HTTPS receivers, with and without it. */
  connection_reuse: async (ctx) => {
    const r = (ctx.results.connection_reuse = await runConnectionReuse({ endpoints: 4, batchSize: 10, batches: ctx.options.quick ? 30 : 100 }));
    finding(ctx, r.without_reuse.failed + r.with_reuse.failed > 0, `connection_reuse: ${r.without_reuse.failed + r.with_reuse.failed} attempts failed`);
  },
  storm,
  /** SPEC §11 delivery controls: the rate limit held against 50 events/s, a neighbour's p99; ordering's throughput cost (its own runtime). */
  controls: async (ctx) => {
    const r = (ctx.results.controls = await runControls());
    finding(ctx, r.rate_limit.max_in_any_second > 5, 'controls: the rate limit was exceeded');
    finding(ctx, !r.ordering.per_entity.in_order, 'controls: per_entity events out of order');
  },
  /** SPEC §9: an outage on a compressed schedule (its own runtime): in flight stays bounded, nothing is lost. */
  outage: async ({ options, results }) =>
    void (results.outage = await runOutageSimulation({ rate: options.quick ? 20 : 50, outageSeconds: options.quick ? 15 : 30 })),
  /** How fast the sweeper re-queues parked jobs from the sharded due index (its own runtime). */
  sweep: async (ctx) => {
    const r = (ctx.results.sweep = await runSweepBench({ jobs: ctx.options.quick ? 5_000 : 20_000 }));
    finding(ctx, r.requeued < r.parked, `sweep: ${r.parked - r.requeued} parked jobs not re-queued in one run`);
  },
  /** KMS requests per delivery with envelope encryption, 100,000 webhooks, against a counting KMS fake. */
  kms: async ({ options, results }) => void (results.kms = await runKmsBench(options.quick ? { deliveries: 200_000, baselineDeliveries: 20_000 } : {})),
  /** The delivery function's own CPU per delivery, in this process (emulators and receivers in others). */
  delivery_cpu: async (ctx) => {
    const r = (ctx.results.delivery_cpu = await runDeliveryCpu({ batches: ctx.options.quick ? 100 : 400, webhooks: 4 }));
    finding(ctx, r.failed > 0, `delivery_cpu: ${r.failed} messages kept (not delivered)`);
  },
};
