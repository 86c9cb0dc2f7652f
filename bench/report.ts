// The targets of issue 6, pass/fail checks, and the short table printed on stdout.
import type { ApiResult } from './api.js';
import type { ColdStartResult } from './cold-start.js';
import type { ConnectionReuseResult } from './connection-reuse.js';
import type { CostResult } from './cost.js';
import type { IsolationResult } from './isolation.js';
import type { KmsResult } from './kms.js';
import type { InfoLogBytes } from './log-bytes.js';
import type { OutageResult } from './outage.js';
import type { StormResult } from './storm.js';
import type { ControlsResult } from './controls.js';
import type { SweepResult } from './sweep.js';
import type { PipelineResult } from './pipeline.js';
import type { ProfileSummary } from './profile.js';
import type { RawResult } from './raw.js';

export const TARGETS = {
  deliveries_per_sec: { min: 1000, label: '≥ 1,000 deliveries/s' },
  p99_ms: { max: 250, label: 'p99 < 250 ms' },
  calls_per_delivery: { max: 2.5, label: '≤ 2.5 AWS API calls per delivery' },
  dynamodb_wru_per_delivery: { max: 2, label: '≤ 2 DynamoDB write units per delivery' },
  usd_per_million_deliveries: { max: 1.5, label: '≤ $1.50 per million deliveries' },
  isolation_ratio: { max: 2, label: 'healthy p99 beside a black hole ≤ 2× alone' },
  storm_ratio: { max: 2, label: 'healthy p99 in the storm ≤ 2× alone' },
  outage_in_flight_max: { max: 12_000, label: 'in flight < 10 % of SQS 120k' },
  cold_start_max_ms: { max: 60, label: 'slowest bundle import < 60 ms' },
  kms_calls_per_delivery: { max: 0.001, label: '≤ 0.001 KMS calls per delivery at 100,000 webhooks' },
} as const;

export type Results = {
  bench: string;
  generated_at: string;
  mode: 'quick' | 'full';
  duration_s?: number;
  git: { commit: string | null; dirty_files: number | null };
  machine: { cpus: number; cpu_model: string; node: string; loadavg_at_start: number[]; loadavg_at_end?: number[]; caveat: string };
  options: Record<string, unknown>;
  runtime_env: Record<string, string>;
  targets: typeof TARGETS;
  checks: { name: string; value: number | null; target: string; pass: boolean | null }[];
  ratio: number | null;
  pipeline?: PipelineResult & { warm_up: unknown; p99_ms_at_50pct?: number | null; p50_ms_at_50pct?: number | null; p99_ms_at_80pct?: number | null; p50_ms_at_80pct?: number | null };
  raw?: RawResult;
  connection_reuse?: ConnectionReuseResult;
  cost?: CostResult;
  /** Issue 19: the info-level log run of the cost section (bench/log-bytes.ts). */
  cost_info_logs?: InfoLogBytes;
  cold_start?: ColdStartResult;
  api?: ApiResult;
  isolation?: IsolationResult;
  storm?: StormResult & { large?: StormResult };
  controls?: ControlsResult;
  outage?: OutageResult;
  sweep?: SweepResult;
  kms?: KmsResult;
  profile?: ProfileSummary;
  runtime_output?: { lines: number; by_level: Record<string, number>; messages: { count: number; message: string }[]; unstructured_sample: string[] };
  /** The bench could not measure something. */
  errors: string[];
  /** Measured oddities of the product: missing or duplicate deliveries, runtime errors, … */
  findings: string[];
};

export function computeChecks(r: Results): Results['checks'] {
  const checks: Results['checks'] = [];
  const min = (name: string, value: number | null | undefined, target: number, label: string) =>
    checks.push({ name, value: value ?? null, target: label, pass: value == null ? null : value >= target });
  const max = (name: string, value: number | null | undefined, target: number, label: string, strict: boolean) =>
    checks.push({ name, value: value ?? null, target: label, pass: value == null ? null : strict ? value < target : value <= target });
  if (r.pipeline) {
    min('pipeline.deliveries_per_sec', r.pipeline.deliveries_per_sec, TARGETS.deliveries_per_sec.min, TARGETS.deliveries_per_sec.label);
    max('pipeline.p99_ms', r.pipeline.p99_ms, TARGETS.p99_ms.max, TARGETS.p99_ms.label, true);
    checks.push({ name: 'pipeline.missing', value: r.pipeline.missing, target: 'no missing deliveries', pass: r.pipeline.missing === 0 });
  }
  if (r.cost) {
    max('cost.calls_per_delivery', r.cost.calls_per_delivery, TARGETS.calls_per_delivery.max, TARGETS.calls_per_delivery.label, false);
    max('cost.dynamodb_wru_per_delivery', r.cost.dynamodb_wru_per_delivery, TARGETS.dynamodb_wru_per_delivery.max, TARGETS.dynamodb_wru_per_delivery.label, false);
    max('cost.usd_per_million_deliveries', r.cost.usd_per_million_deliveries.total, TARGETS.usd_per_million_deliveries.max, TARGETS.usd_per_million_deliveries.label, false);
    const a = r.cost.usd_per_million_all_in;
    if (a) {
      max('cost.usd_per_million_all_in.w4', a.w4.total, a.targets.w4, `≤ $${a.targets.w4} all-in per million deliveries at 4 webhooks per event`, false);
      max('cost.usd_per_million_all_in.w1', a.w1.total, a.targets.w1, `≤ $${a.targets.w1} all-in per million deliveries at 1 webhook per event`, false);
    }
  }
  for (const [key, s] of [['storm', r.storm], ['storm.large', r.storm?.large]] as const) {
    if (!s) continue;
    max(`${key}.ratio`, s.ratio, TARGETS.storm_ratio.max, TARGETS.storm_ratio.label, false);
    checks.push({ name: `${key}.slow_within_2x`, value: s.slow_endpoints.filter((e) => e.within_2x).length, target: `all ${s.slow_endpoints.length}`, pass: s.slow_endpoints.every((e) => e.within_2x) });
  }
  if (r.isolation) {
    max('isolation.ratio', r.isolation.ratio, TARGETS.isolation_ratio.max, TARGETS.isolation_ratio.label, false);
    checks.push({ name: 'isolation.healthy_delivered', value: r.isolation.healthy_delivered, target: `all ${r.isolation.healthy_expected}`, pass: r.isolation.healthy_delivered === r.isolation.healthy_expected });
  }
  if (r.outage) {
    max('outage.in_flight_max', r.outage.in_flight_max, TARGETS.outage_in_flight_max.max, TARGETS.outage_in_flight_max.label, true);
    checks.push({ name: 'outage.lost', value: r.outage.lost, target: 'nothing lost', pass: r.outage.lost === 0 });
  }
  // The kms section's figure (envelope encryption, the worse traffic shape); a cost of every delivery, hence the name.
  if (r.kms) max('cost.kms_calls_per_delivery', r.kms.kms_calls_per_delivery, TARGETS.kms_calls_per_delivery.max, TARGETS.kms_calls_per_delivery.label, false);
  if (r.cold_start) max('cold_start.max_ms', r.cold_start.max_ms, TARGETS.cold_start_max_ms.max, TARGETS.cold_start_max_ms.label, true);
  return checks;
}

const fmt = (v: number | null | undefined, digits = 0) =>
  v == null ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mark = (pass: boolean | null | undefined) => (pass == null ? '' : pass ? 'PASS' : 'FAIL');

export function renderTable(r: Results): string {
  const rows: [string, string, string, string, string][] = [];
  const check = (name: string) => r.checks.find((c) => c.name === name);
  const row = (section: string, metric: string, value: string, target = '', status = '') => rows.push([section, metric, value, target, status]);

  if (r.pipeline) {
    const p = r.pipeline;
    row('pipeline', 'offered', `${fmt(p.offered.events_per_sec)} events/s × ${p.webhooks} webhooks = ${fmt(p.offered.deliveries_per_sec)}/s for ${p.offered.duration_s} s`);
    const c1 = check('pipeline.deliveries_per_sec');
    row('', 'deliveries/s (sustained)', `${fmt(p.deliveries_per_sec)}  (${fmt(p.during_load_deliveries_per_sec)}/s while publishing)`, c1?.target ?? '', mark(c1?.pass));
    const c2 = check('pipeline.p99_ms');
    row('', 'publish → receipt p50 / p99', `${fmt(p.p50_ms, 1)} / ${fmt(p.p99_ms, 1)} ms  (max ${fmt(p.max_ms)})`, c2?.target ?? '', mark(c2?.pass));
    if (p.deliveries_per_sec != null && p.offered.deliveries_per_sec > 1.1 * p.deliveries_per_sec) {
      const sustainable = Math.max(1, Math.floor((0.8 * p.deliveries_per_sec) / p.webhooks));
      row('', '  note', `overloaded (offered ${fmt(p.offered.deliveries_per_sec)}/s > sustained): latency is backlog; --rate ${sustainable} for latency at a sustainable load`);
    }
    if (p.phases.delivery_only_per_sec != null) row(
      '',
      'fan-out rate / delivery rate after it',
      `${fmt(p.phases.fan_out_events_per_sec)} events/s (${fmt((p.phases.fan_out_events_per_sec ?? 0) * p.webhooks)} jobs/s) / ${fmt(p.phases.delivery_only_per_sec)} deliveries/s after fan-out finished`,
    );
    const u = p.warm_up as { unloaded?: { p50_ms: number | null; p99_ms: number | null } };
    if (u?.unloaded) row('', 'one event at a time p50 / p99', `${fmt(u.unloaded.p50_ms, 1)} / ${fmt(u.unloaded.p99_ms, 1)} ms`);
    for (const pct of [50, 80] as const) {
      const p99 = r.pipeline[`p99_ms_at_${pct}pct`];
      if (p99 !== undefined) row('', `p50 / p99 at ${pct} % of capacity`, `${fmt(r.pipeline[`p50_ms_at_${pct}pct`] ?? null, 1)} / ${fmt(p99, 1)} ms`);
    }
    const c3 = check('pipeline.missing');
    row('', 'delivered / verified / missing', `${fmt(p.delivered)} / ${fmt(p.verified)} / ${fmt(p.missing)}  (dup ${p.duplicates})`, 'none missing', mark(c3?.pass));
    row('', 'runtime CPU', `${fmt(p.cpu.runtime_pct_of_one_core)}% of a core, ${fmt(p.cpu.runtime_cpu_ms_per_delivery, 2)} ms/delivery (receivers ${fmt(p.cpu.receivers_pct_of_one_core)}%)`);
  }
  if (r.raw) {
    row('raw', `signed POSTs/s (${r.raw.concurrency} concurrent)`, `${fmt(r.raw.posts_per_sec)}  (p99 ${fmt(r.raw.latency.p99_ms, 1)} ms, verified ${fmt(r.raw.verified)})`);
  }
  if (r.ratio != null) row('', 'ratio pipeline / raw', fmt(r.ratio, 2));
  if (r.connection_reuse) {
    const c = r.connection_reuse;
    const mode = (m: ConnectionReuseResult['with_reuse']) =>
      `${fmt(m.tls_handshakes)} handshakes / ${fmt(m.attempts)} attempts, attempt p50 ${fmt(m.attempt_ms.p50_ms, 1)} p99 ${fmt(m.attempt_ms.p99_ms, 1)} ms, batch p50 ${fmt(m.batch_ms.p50_ms, 1)} ms`;
    row('connection reuse', `without the pool (${c.batches} × ${c.batch_size} to ${c.endpoints} HTTPS endpoints)`, mode(c.without_reuse));
    row('', 'with the pool', mode(c.with_reuse));
    row('', 'handshakes saved', `${fmt(c.handshakes_saved)} (${fmt(c.handshakes_saved_pct, 1)} %), load ${c.loadavg_at_start.join(' ')}`);
  }
  if (r.cost) {
    const c = check('cost.calls_per_delivery');
    const by = Object.entries(r.cost.calls_per_delivery_by_service)
      .map(([s, n]) => `${s} ${fmt(n, 2)}`)
      .join(', ');
    row('cost', 'AWS API calls per delivery', `${fmt(r.cost.calls_per_delivery, 2)}  (${by})`, c?.target ?? '', mark(c?.pass));
    const w = check('cost.dynamodb_wru_per_delivery');
    row('', 'DynamoDB units per delivery', `${fmt(r.cost.dynamodb_wru_per_delivery, 2)} WRU, ${fmt(r.cost.dynamodb_rru_per_delivery, 2)} RRU  (from the items written; SQS ${fmt(r.cost.sqs_requests_per_delivery, 2)} requests)`, w?.target ?? '', mark(w?.pass));
    const u = check('cost.usd_per_million_deliveries');
    row('', 'USD per 1M deliveries', `$${fmt(r.cost.usd_per_million_deliveries.total, 2)}  (us-east-1 list prices; see results.json)`, u?.target ?? '', mark(u?.pass));
    const option = r.cost.dynamodb_provisioned_option;
    row(
      '',
      'USD per 1M, provisioned option',
      `$${fmt(r.cost.usd_per_million_deliveries_provisioned.total, 2)}  (${option.tables.join(' + ')} tables provisioned, ${fmt(option.assumed_utilization * 100, 0)} % utilization)`,
    );
    const a = r.cost.usd_per_million_all_in;
    if (a) {
      const items = (x: typeof a.w4) =>
        Object.entries(x.items)
          .sort((p, q) => q[1] - p[1])
          .map(([k, v]) => `${k} ${fmt(v, 3)}`)
          .join(', ');
      for (const w of ['w4', 'w1'] as const) {
        const c = check(`cost.usd_per_million_all_in.${w}`);
        row('', `all-in USD per 1M, ${w === 'w4' ? 4 : 1} webhook${w === 'w4' ? 's' : ''}/event`, `$${fmt(a[w].total, 2)}  (${items(a[w])}; $${fmt(a[w].total_without_reuse, 2)} without connection reuse)`, c?.target ?? '', mark(c?.pass));
      }
      row('', 'EventBridge API destinations (beside it)', `$${fmt(a.api_destinations.w1, 2)} at 1 webhook/event, $${fmt(a.api_destinations.w4, 2)} at 4  (no signing, history or self-service)`);
    }
  }
  for (const [label, s] of [['storm', r.storm], ['storm (large)', r.storm?.large]] as const) {
    if (!s) continue;
    const key = label === 'storm' ? 'storm' : 'storm.large';
    row(label, 'load', `${s.rate} events/s for ${s.seconds} s: ${s.healthy} healthy, ${s.holes} black holes, ${s.slow} answering in 3 s (slow lane ${s.slow_lane_concurrency} × 10)`);
    row('', 'healthy p99 alone / in the storm', `${fmt(s.alone.p99_ms)} / ${fmt(s.storm.p99_ms)} ms  (ratio ${fmt(s.ratio, 2)})`, TARGETS.storm_ratio.label, mark(check(`${key}.ratio`)?.pass));
    row('', 'slow endpoints: received, s to the last (publish 2×)', s.slow_endpoints.map((e) => `${e.received}/${e.expected} in ${fmt(e.seconds_to_last, 1)} s`).join(', '), `within ${2 * s.seconds} s`, mark(s.slow_endpoints.every((e) => e.within_2x)));
    row('', 'healthy lost', `${s.lost}`, 'none', mark(s.lost === 0));
  }
  if (r.controls) {
    const { rate_limit: l, ordering: o } = r.controls;
    row('controls', 'rate limit: most in any second / received', `${l.max_in_any_second} / ${l.received} of ${l.events} (limit ${l.limit_per_s}/s, offered ${l.offered_per_s}/s; last after ${fmt(l.seconds_to_last, 1)} s)`, `≤ ${l.limit_per_s}, all`, mark(l.max_in_any_second <= l.limit_per_s && l.received === l.events));
    row('', 'neighbour p99 alone / beside', `${fmt(l.neighbour_p99_alone_ms)} / ${fmt(l.neighbour_p99_beside_ms)} ms`);
    row('', 'ordering: per_entity / none', `${fmt(o.per_entity.deliveries_per_s)} / ${fmt(o.none.deliveries_per_s)} deliveries/s (${o.events} events, ${o.orders} orders; in order: ${o.per_entity.in_order})`, 'in order', mark(o.per_entity.in_order && o.per_entity.received === o.events));
  }
  if (r.cold_start) {
    const cs = r.cold_start;
    const c = check('cold_start.max_ms');
    row('cold start', 'slowest bundle import', `${fmt(cs.max_ms, 1)} ms (${cs.max_ms_handler})`, c?.target ?? '', mark(c?.pass));
    const slowest = Object.entries(cs.handlers)
      .sort((a, b) => (b[1].import_ms ?? 0) - (a[1].import_ms ?? 0))
      .slice(0, 3)
      .map(([h, v]) => `${h} ${fmt(v.import_ms, 1)}`)
      .join(', ');
    row('', 'slowest three (ms)', slowest);
    row('', 'biggest bundle', `${fmt(cs.max_kb, 0)} KB (${cs.max_kb_handler})`);
    const variant = (key: 'import_ms_with_source_maps' | 'import_ms_without_source_maps' | 'import_ms_compile_cache') =>
      Math.max(...Object.values(cs.handlers).map((h) => h[key] ?? Number.NaN));
    if (Number.isFinite(variant('import_ms_without_source_maps'))) {
      row('', 'slowest: source maps on / off / + compile cache', `${fmt(variant('import_ms_with_source_maps'), 1)} / ${fmt(variant('import_ms_without_source_maps'), 1)} / ${fmt(variant('import_ms_compile_cache'), 1)} ms`);
    }
  }
  if (r.isolation) {
    const i = r.isolation;
    const c = check('isolation.ratio');
    row('isolation', 'load', `${i.rate_per_s} events/s for ${i.seconds} s to ${i.healthy_endpoints} healthy endpoints (+1 that never answers)`);
    row('', 'healthy p99 alone / beside the black hole', `${fmt(i.alone_p99_ms)} / ${fmt(i.beside_bad_p99_ms)} ms  (ratio ${fmt(i.ratio, 2)})`, c?.target ?? '', mark(c?.pass));
    row('', 'healthy delivered / expected', `${i.healthy_delivered} / ${i.healthy_expected}`, '', mark(check('isolation.healthy_delivered')?.pass));
  }
  if (r.outage) {
    const o = r.outage;
    const c = check('outage.in_flight_max');
    row('outage', 'scenario', `${o.rate_per_s} events/s, endpoint down ${o.outage_s} s; schedule ${o.schedule_s} s, parked past ${o.park_after_s} s`);
    row('', 'in flight (max) / parked (max)', `${fmt(o.in_flight_max)} / ${fmt(o.parked_max)}`, c?.target ?? '', mark(c?.pass));
    row('', 'delivered after recovery / lost', `${o.delivered_to_recovered} of ${o.events} in ${fmt(o.recovery_s, 1)} s / ${o.lost}`, 'nothing lost', mark(check('outage.lost')?.pass));
  }
  if (r.sweep) {
    const w = r.sweep;
    row('sweep', 'parked jobs re-queued', `${w.requeued} of ${w.parked} in ${fmt(w.seconds, 1)} s = ${fmt(w.jobs_per_sec)} jobs/s (1,000,000 in ${fmt(w.minutes_for_1m_at_this_rate, 1)} min at this rate)`);
  }
  if (r.kms) {
    const k = r.kms;
    const c = check('cost.kms_calls_per_delivery');
    row('kms', `${fmt(k.options.webhooks)} webhooks, ${k.creation.data_keys} data keys, ${k.options.instances} instances`, `uniform ${k.envelope.uniform.kms_calls_per_delivery} / skewed ${k.envelope.skewed.kms_calls_per_delivery} KMS calls per delivery`, c?.target ?? '', mark(c?.pass));
    row('', `KMS per month at ${fmt(k.options.deliveriesPerSec)}/s`, `$${fmt(k.usd_per_month_at_rate, 2)}  (before data keys: $${fmt(k.baseline_kms1.uniform.usd_per_month_at_rate, 0)}, ${k.baseline_kms1.uniform.kms_calls_per_delivery} calls per delivery)`);
  }
  if (r.api) {
    for (const [label, a] of [
      ['GET /v1/webhooks', r.api.get_webhooks],
      ['POST /v1/webhooks', r.api.post_webhooks],
    ] as const) {
      row(r.api.get_webhooks === a ? 'api' : '', `${label} (${a.connections} conn.)`, `${fmt(a.requests_per_sec)} req/s, p99 ${fmt(a.p99_ms, 1)} ms, non-2xx ${a.non_2xx}, errors ${a.errors}`);
    }
  }
  if (r.profile?.attributed_by_component) {
    row('profile', 'runtime main thread busy', `${fmt(r.profile.main_thread_busy_pct, 0)}% of the pipeline window`);
    const list = (items: { name: string; pct_of_busy: number | null }[], n: number) =>
      items
        .slice(0, n)
        .map((c) => `${c.name} ${fmt(c.pct_of_busy, 0)}%`)
        .join(', ');
    row('', 'CPU by component (attributed)', list(r.profile.attributed_by_component, 4));
    row('', '', list(r.profile.attributed_by_component.slice(4), 4));
  }

  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((x) => x[i]!.length), 0));
  const lines = rows.map(([a, b, c, d, e]) => `${a.padEnd(widths[0]!)}  ${b.padEnd(widths[1]!)}  ${c.padEnd(widths[2]!)}  ${d.padEnd(widths[3]!)}  ${e}`.trimEnd());
  const head =
    `Buildmarkets Webhooks bench (${r.mode}) — ${r.generated_at}, commit ${r.git.commit?.slice(0, 10) ?? '?'}` +
    `${r.git.dirty_files ? ` +${r.git.dirty_files} changed files` : ''}, ${r.machine.cpus} CPUs, load ${r.machine.loadavg_at_start.map((l) => l.toFixed(2)).join(' ')}`;
  const busy = r.machine.loadavg_at_start[0]! >= r.machine.cpus * 0.5;
  const tail = [
    ...(busy ? [`Warning: the machine was already busy when the bench started (1-min load ${r.machine.loadavg_at_start[0]} on ${r.machine.cpus} cores): numbers are pessimistic.`] : []),
    `Caveat: ${r.machine.caveat}`,
    ...r.findings.map((f) => `Finding: ${f}`),
    ...r.errors.map((e) => `Error: ${e}`),
  ];
  return [head, '', ...lines, '', ...tail, ''].join('\n');
}
