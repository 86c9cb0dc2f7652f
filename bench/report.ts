// The targets of issue 6, pass/fail checks, and the short table printed on stdout (a section's
// rows are also its progress line when it ends).
import type { ConnectionReuseResult } from './connection-reuse.js';
import type { StormResult } from './storm.js';

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

type Check = { name: string; value: number | null; target: string; pass: boolean | null };
type Percentiles = { p99_ms_at_50pct?: number | null; p50_ms_at_50pct?: number | null; p99_ms_at_80pct?: number | null; p50_ms_at_80pct?: number | null };

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
  checks: Check[];
  ratio: number | null;
  pipeline?: import('./pipeline.js').PipelineResult & { warm_up: unknown } & Percentiles;
  raw?: import('./raw.js').RawResult;
  connection_reuse?: ConnectionReuseResult;
  cost?: import('./cost.js').CostResult;
  /** Issue 19: the cost section's info-level log run (bench/log-bytes.ts). */
  cost_info_logs?: import('./log-bytes.js').InfoLogBytes;
  cold_start?: import('./cold-start.js').ColdStartResult;
  api?: import('./api.js').ApiResult;
  isolation?: import('./isolation.js').IsolationResult;
  storm?: StormResult & { large?: StormResult };
  controls?: import('./controls.js').ControlsResult;
  outage?: import('./outage.js').OutageResult;
  sweep?: import('./sweep.js').SweepResult;
  kms?: import('./kms.js').KmsResult;
  delivery_cpu?: import('./delivery-cpu.js').DeliveryCpuResult;
  profile?: import('./profile.js').ProfileSummary;
  runtime_output?: { lines: number; by_level: Record<string, number>; messages: { count: number; message: string }[]; unstructured_sample: string[] };
  /** The bench could not measure something. */
  errors: string[];
  /** Measured oddities of the product: missing or duplicate deliveries, runtime errors, … */
  findings: string[];
};

export function computeChecks(r: Results): Check[] {
  const checks: Check[] = [];
  const check = (name: string, value: number | null | undefined, target: string, pass: (v: number) => boolean) => checks.push({ name, value: value ?? null, target, pass: value == null ? null : pass(value) });
  const max = (name: string, value: number | null | undefined, t: { max: number; label: string }, strict = false) => check(name, value, t.label, (v) => (strict ? v < t.max : v <= t.max));
  const exact = (name: string, value: number, target: string, pass: boolean) => checks.push({ name, value, target, pass });
  if (r.pipeline) {
    check('pipeline.deliveries_per_sec', r.pipeline.deliveries_per_sec, TARGETS.deliveries_per_sec.label, (v) => v >= TARGETS.deliveries_per_sec.min);
    max('pipeline.p99_ms', r.pipeline.p99_ms, TARGETS.p99_ms, true);
    exact('pipeline.missing', r.pipeline.missing, 'no missing deliveries', r.pipeline.missing === 0);
  }
  if (r.cost) {
    max('cost.calls_per_delivery', r.cost.calls_per_delivery, TARGETS.calls_per_delivery);
    max('cost.dynamodb_wru_per_delivery', r.cost.dynamodb_wru_per_delivery, TARGETS.dynamodb_wru_per_delivery);
    max('cost.usd_per_million_deliveries', r.cost.usd_per_million_deliveries.total, TARGETS.usd_per_million_deliveries);
    const a = r.cost.usd_per_million_all_in;
    if (a) max('cost.usd_per_million_all_in.w4', a.w4.total, { max: a.targets.w4, label: `≤ $${a.targets.w4} all-in per million deliveries at 4 webhooks per event` });
    if (a) max('cost.usd_per_million_all_in.w1', a.w1.total, { max: a.targets.w1, label: `≤ $${a.targets.w1} all-in per million deliveries at 1 webhook per event` });
  }
  for (const [key, s] of [['storm', r.storm], ['storm.large', r.storm?.large]] as const) {
    if (!s) continue;
    max(`${key}.ratio`, s.ratio, TARGETS.storm_ratio);
    exact(`${key}.slow_within_2x`, s.slow_endpoints.filter((e) => e.within_2x).length, `all ${s.slow_endpoints.length}`, s.slow_endpoints.every((e) => e.within_2x));
  }
  if (r.isolation) {
    max('isolation.ratio', r.isolation.ratio, TARGETS.isolation_ratio);
    exact('isolation.healthy_delivered', r.isolation.healthy_delivered, `all ${r.isolation.healthy_expected}`, r.isolation.healthy_delivered === r.isolation.healthy_expected);
  }
  if (r.outage) {
    max('outage.in_flight_max', r.outage.in_flight_max, TARGETS.outage_in_flight_max, true);
    exact('outage.lost', r.outage.lost, 'nothing lost', r.outage.lost === 0);
  }
  // The kms section's figure (envelope encryption, the worse traffic shape); a cost of every delivery, hence the name.
  if (r.kms) max('cost.kms_calls_per_delivery', r.kms.kms_calls_per_delivery, TARGETS.kms_calls_per_delivery);
  if (r.cold_start) max('cold_start.max_ms', r.cold_start.max_ms, TARGETS.cold_start_max_ms, true);
  return checks;
}

const fmt = (v: number | null | undefined, digits = 0) => (v == null ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const mark = (pass: boolean | null | undefined) => (pass == null ? '' : pass ? 'PASS' : 'FAIL');
type Row = [section: string, metric: string, value: string, target?: string, status?: string];
type Rows = (r: Results, checked: (name: string) => [string, string]) => Row[];
const sorted = <T>(entries: [string, T][], by: (v: T) => number) => entries.sort((a, b) => by(b[1]) - by(a[1]));

/** `rows(v)` where `v` is there, none otherwise. */
const when = <T>(v: T | null | undefined | false, rows: (v: T) => Row[]): Row[] => (v ? rows(v) : []);

const pipelineRows: Rows = ({ pipeline: p }, checked) =>
  when(p, (p) => {
    const unloaded = (p.warm_up as { unloaded?: { p50_ms: number | null; p99_ms: number | null } })?.unloaded;
    const overloaded = p.deliveries_per_sec != null && p.offered.deliveries_per_sec > 1.1 * p.deliveries_per_sec;
    const sustainable = Math.max(1, Math.floor((0.8 * (p.deliveries_per_sec ?? 0)) / p.webhooks));
    const fanOut = p.phases.fan_out_events_per_sec;
    const pct = (pct: 50 | 80): Row[] => when(p[`p99_ms_at_${pct}pct`] !== undefined, () => [
      ['', `p50 / p99 at ${pct} % of capacity`, `${fmt(p[`p50_ms_at_${pct}pct`] ?? null, 1)} / ${fmt(p[`p99_ms_at_${pct}pct`], 1)} ms`],
    ]);
    return [
      ['pipeline', 'offered', `${fmt(p.offered.events_per_sec)} events/s × ${p.webhooks} webhooks = ${fmt(p.offered.deliveries_per_sec)}/s for ${p.offered.duration_s} s`],
      ['', 'deliveries/s (sustained)', `${fmt(p.deliveries_per_sec)}  (${fmt(p.during_load_deliveries_per_sec)}/s while publishing)`, ...checked('pipeline.deliveries_per_sec')],
      ['', 'publish → receipt p50 / p99', `${fmt(p.p50_ms, 1)} / ${fmt(p.p99_ms, 1)} ms  (max ${fmt(p.max_ms)})`, ...checked('pipeline.p99_ms')],
      ...when(overloaded, () => [['', '  note', `overloaded (offered ${fmt(p.offered.deliveries_per_sec)}/s > sustained): latency is backlog; --rate ${sustainable} for latency at a sustainable load`]]),
      ...when(p.phases.delivery_only_per_sec != null, () => [
        ['', 'fan-out rate / delivery rate after it', `${fmt(fanOut)} events/s (${fmt((fanOut ?? 0) * p.webhooks)} jobs/s) / ${fmt(p.phases.delivery_only_per_sec)} deliveries/s after fan-out finished`],
      ]),
      ...when(unloaded, (u) => [['', 'one event at a time p50 / p99', `${fmt(u.p50_ms, 1)} / ${fmt(u.p99_ms, 1)} ms`]]),
      ...pct(50),
      ...pct(80),
      ['', 'delivered / verified / missing', `${fmt(p.delivered)} / ${fmt(p.verified)} / ${fmt(p.missing)}  (dup ${p.duplicates})`, 'none missing', checked('pipeline.missing')[1]],
      ['', 'runtime CPU', `${fmt(p.cpu.runtime_pct_of_one_core)}% of a core, ${fmt(p.cpu.runtime_cpu_ms_per_delivery, 2)} ms/delivery (receivers ${fmt(p.cpu.receivers_pct_of_one_core)}%)`],
    ];
  });

const rawRows: Rows = ({ raw, ratio }) => [
  ...when(raw, (raw) => [['raw', `signed POSTs/s (${raw.concurrency} concurrent)`, `${fmt(raw.posts_per_sec)}  (p99 ${fmt(raw.latency.p99_ms, 1)} ms, verified ${fmt(raw.verified)})`]]),
  ...when(ratio != null, () => [['', 'ratio pipeline / raw', fmt(ratio, 2)]]),
];

const connectionReuseRows: Rows = ({ connection_reuse: c }) =>
  when(c, (c) => {
    const mode = (m: ConnectionReuseResult['with_reuse']) =>
      `${fmt(m.tls_handshakes)} handshakes / ${fmt(m.attempts)} attempts, attempt p50 ${fmt(m.attempt_ms.p50_ms, 1)} p99 ${fmt(m.attempt_ms.p99_ms, 1)} ms, batch p50 ${fmt(m.batch_ms.p50_ms, 1)} ms`;
    return [
      ['connection reuse', `without the pool (${c.batches} × ${c.batch_size} to ${c.endpoints} HTTPS endpoints)`, mode(c.without_reuse)],
      ['', 'with the pool', mode(c.with_reuse)],
      ['', 'handshakes saved', `${fmt(c.handshakes_saved)} (${fmt(c.handshakes_saved_pct, 1)} %), load ${c.loadavg_at_start.join(' ')}`],
    ];
  });

const costRows: Rows = ({ cost: c }, checked) =>
  when(c, (c) => {
    const by = Object.entries(c.calls_per_delivery_by_service).map(([s, n]) => `${s} ${fmt(n, 2)}`).join(', ');
    const option = c.dynamodb_provisioned_option;
    const allIn = (a: NonNullable<typeof c.usd_per_million_all_in>, w: 'w4' | 'w1'): Row => [
      '',
      `all-in USD per 1M, ${w === 'w4' ? '4 webhooks' : '1 webhook'}/event`,
      `$${fmt(a[w].total, 2)}  (${sorted(Object.entries(a[w].items), (v) => v).map(([k, v]) => `${k} ${fmt(v, 3)}`).join(', ')}; $${fmt(a[w].total_without_reuse, 2)} without connection reuse)`,
      ...checked(`cost.usd_per_million_all_in.${w}`),
    ];
    return [
      ['cost', 'AWS API calls per delivery', `${fmt(c.calls_per_delivery, 2)}  (${by})`, ...checked('cost.calls_per_delivery')],
      ['', 'DynamoDB units per delivery', `${fmt(c.dynamodb_wru_per_delivery, 2)} WRU, ${fmt(c.dynamodb_rru_per_delivery, 2)} RRU  (from the items written; SQS ${fmt(c.sqs_requests_per_delivery, 2)} requests)`, ...checked('cost.dynamodb_wru_per_delivery')],
      ['', 'USD per 1M deliveries', `$${fmt(c.usd_per_million_deliveries.total, 2)}  (us-east-1 list prices; see results.json)`, ...checked('cost.usd_per_million_deliveries')],
      ['', 'USD per 1M, provisioned option', `$${fmt(c.usd_per_million_deliveries_provisioned.total, 2)}  (${option.tables.join(' + ')} tables provisioned, ${fmt(option.assumed_utilization * 100, 0)} % utilization)`],
      ...when(c.usd_per_million_all_in, (a) => [
        allIn(a, 'w4'),
        allIn(a, 'w1'),
        ['', 'EventBridge API destinations (beside it)', `$${fmt(a.api_destinations.w1, 2)} at 1 webhook/event, $${fmt(a.api_destinations.w4, 2)} at 4  (no signing, history or self-service)`],
      ]),
    ];
  });

const stormRows: Rows = (r, checked) =>
  ([['storm', r.storm], ['storm (large)', r.storm?.large]] as const).flatMap(([label, s]): Row[] =>
    when(s, (s) => [
      [label, 'load', `${s.seconds} s: ${s.healthy} healthy at ${s.healthyRate} events/s, ${s.holes} black holes and ${s.slow} answering in 3 s at ${s.rate} events/s (slow lane ${s.slow_lane_concurrency} × 10)`],
      ['', 'healthy p99 alone / in the storm', `${fmt(s.alone.p99_ms)} / ${fmt(s.storm.p99_ms)} ms  (ratio ${fmt(s.ratio, 2)})`, TARGETS.storm_ratio.label, checked(`${label === 'storm' ? 'storm' : 'storm.large'}.ratio`)[1]],
      ['', 'slow endpoints: received, s to the last (publish 2×)', s.slow_endpoints.map((e) => `${e.received}/${e.expected} in ${fmt(e.seconds_to_last, 1)} s`).join(', '), `within ${2 * s.seconds} s`, mark(s.slow_endpoints.every((e) => e.within_2x))],
      ['', 'healthy lost', `${s.lost}`, 'none', mark(s.lost === 0)],
    ]),
  );

const controlsRows: Rows = ({ controls }) =>
  when(controls, ({ rate_limit: l, ordering: o }) => [
    ['controls', 'rate limit: most in any second / received', `${l.max_in_any_second} / ${l.received} of ${l.events} (limit ${l.limit_per_s}/s, offered ${l.offered_per_s}/s; last after ${fmt(l.seconds_to_last, 1)} s)`, `≤ ${l.limit_per_s}, all`, mark(l.max_in_any_second <= l.limit_per_s && l.received === l.events)],
    ['', 'neighbour p99 alone / beside', `${fmt(l.neighbour_p99_alone_ms)} / ${fmt(l.neighbour_p99_beside_ms)} ms`],
    ['', 'ordering: per_entity / none', `${fmt(o.per_entity.deliveries_per_s)} / ${fmt(o.none.deliveries_per_s)} deliveries/s (${o.events} events, ${o.orders} orders; in order: ${o.per_entity.in_order})`, 'in order', mark(o.per_entity.in_order && o.per_entity.received === o.events)],
  ]);

const coldStartRows: Rows = ({ cold_start: cs }, checked) =>
  when(cs, (cs) => {
    const handlers = Object.entries(cs.handlers);
    const slowest = sorted(handlers, (h) => h.import_ms ?? 0).slice(0, 3).map(([h, v]) => `${h} ${fmt(v.import_ms, 1)}`).join(', ');
    const variant = (key: 'import_ms_with_source_maps' | 'import_ms_without_source_maps' | 'import_ms_compile_cache') => Math.max(...handlers.map(([, h]) => h[key] ?? Number.NaN));
    return [
      ['cold start', 'slowest bundle import', `${fmt(cs.max_ms, 1)} ms (${cs.max_ms_handler})`, ...checked('cold_start.max_ms')],
      ['', 'slowest three (ms)', slowest],
      ['', 'biggest bundle', `${fmt(cs.max_kb, 0)} KB (${cs.max_kb_handler})`],
      ...when(Number.isFinite(variant('import_ms_without_source_maps')), () => [
        ['', 'slowest: source maps on / off / + compile cache', `${fmt(variant('import_ms_with_source_maps'), 1)} / ${fmt(variant('import_ms_without_source_maps'), 1)} / ${fmt(variant('import_ms_compile_cache'), 1)} ms`],
      ]),
    ];
  });

const isolationRows: Rows = ({ isolation: i }, checked) =>
  when(i, (i) => [
    ['isolation', 'load', `${i.rate_per_s} events/s for ${i.seconds} s to ${i.healthy_endpoints} healthy endpoints (+1 that never answers)`],
    ['', 'healthy p99 alone / beside the black hole', `${fmt(i.alone_p99_ms)} / ${fmt(i.beside_bad_p99_ms)} ms  (ratio ${fmt(i.ratio, 2)})`, ...checked('isolation.ratio')],
    ['', 'healthy delivered / expected', `${i.healthy_delivered} / ${i.healthy_expected}`, '', checked('isolation.healthy_delivered')[1]],
  ]);

const outageRows: Rows = ({ outage: o }, checked) =>
  when(o, (o) => [
    ['outage', 'scenario', `${o.rate_per_s} events/s, endpoint down ${o.outage_s} s; schedule ${o.schedule_s} s, parked past ${o.park_after_s} s`],
    ['', 'in flight (max) / parked (max)', `${fmt(o.in_flight_max)} / ${fmt(o.parked_max)}`, ...checked('outage.in_flight_max')],
    ['', 'delivered after recovery / lost', `${o.delivered_to_recovered} of ${o.events} in ${fmt(o.recovery_s, 1)} s / ${o.lost}`, 'nothing lost', checked('outage.lost')[1]],
  ]);

const sweepRows: Rows = ({ sweep: w }) =>
  when(w, (w) => [['sweep', 'parked jobs re-queued', `${w.requeued} of ${w.parked} in ${fmt(w.seconds, 1)} s = ${fmt(w.jobs_per_sec)} jobs/s (1,000,000 in ${fmt(w.minutes_for_1m_at_this_rate, 1)} min at this rate)`]]);

const kmsRows: Rows = ({ kms: k }, checked) =>
  when(k, (k) => [
    ['kms', `${fmt(k.options.webhooks)} webhooks, ${k.creation.data_keys} data keys, ${k.options.instances} instances`, `uniform ${k.envelope.uniform.kms_calls_per_delivery} / skewed ${k.envelope.skewed.kms_calls_per_delivery} KMS calls per delivery`, ...checked('cost.kms_calls_per_delivery')],
    ['', `KMS per month at ${fmt(k.options.deliveriesPerSec)}/s`, `$${fmt(k.usd_per_month_at_rate, 2)}  (before data keys: $${fmt(k.baseline_kms1.uniform.usd_per_month_at_rate, 0)}, ${k.baseline_kms1.uniform.kms_calls_per_delivery} calls per delivery)`],
  ]);

const apiRows: Rows = ({ api }) =>
  when(api, (api) =>
    ([['GET /v1/webhooks', api.get_webhooks], ['POST /v1/webhooks', api.post_webhooks]] as const).map(([label, a], i): Row => [
      i === 0 ? 'api' : '',
      `${label} (${a.connections} conn.)`,
      `${fmt(a.requests_per_sec)} req/s, p99 ${fmt(a.p99_ms, 1)} ms, non-2xx ${a.non_2xx}, errors ${a.errors}`,
    ]),
  );

type Components = { name: string; pct_of_busy: number | null }[] | undefined;
const components = (items: Components, from = 0) => (items ?? []).slice(from, from + 4).map((c) => `${c.name} ${fmt(c.pct_of_busy, 0)}%`).join(', ');

const profileRows: Rows = ({ profile }) =>
  when(profile && 'attributed_by_component' in profile && profile, (p) => [
    ['profile', 'runtime main thread busy', `${fmt(p.main_thread_busy_pct, 0)}% of the pipeline window`],
    ['', 'CPU by component (attributed)', components(p.attributed_by_component)],
    ['', '', components(p.attributed_by_component, 4)],
  ]);

const deliveryCpuRows: Rows = ({ delivery_cpu: d }) =>
  when(d, (d) => [
    ['delivery_cpu', `deliver handler in-process, ${fmt(d.deliveries)} deliveries to ${d.webhooks} verifying receivers`, `${fmt(d.cpu_ms_per_delivery, 3)} ms CPU per delivery (${fmt(d.wall_ms_per_batch, 1)} ms per batch of 10)`],
    ...when(d.profile && 'attributed_by_component' in d.profile && d.profile, (p) => [
      ['', 'where it goes', (p.attributed_by_component ?? []).slice(0, 4).map((c) => `${c.name} ${c.pct_of_busy}%`).join(', ')],
    ]),
  ]);

/** Table rows by section, in the table's order. */
const SECTION_ROWS = { pipeline: pipelineRows, raw: rawRows, connection_reuse: connectionReuseRows, cost: costRows, storm: stormRows, controls: controlsRows, cold_start: coldStartRows, isolation: isolationRows, outage: outageRows, sweep: sweepRows, kms: kmsRows, delivery_cpu: deliveryCpuRows, api: apiRows, profile: profileRows };

function renderRows(r: Results, sections: (keyof typeof SECTION_ROWS)[], checks = r.checks): string[] {
  const checked = (name: string): [string, string] => {
    const c = checks.find((x) => x.name === name);
    return [c?.target ?? '', mark(c?.pass)];
  };
  const rows = sections.flatMap((s) => SECTION_ROWS[s](r, checked)).map(([a, b, c, d = '', e = '']) => [a, b, c, d, e]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((x) => x[i]!.length), 0));
  return rows.map(([a, b, c, d, e]) => `${a!.padEnd(widths[0]!)}  ${b!.padEnd(widths[1]!)}  ${c!.padEnd(widths[2]!)}  ${d!.padEnd(widths[3]!)}  ${e}`.trimEnd());
}

/** A finished section's rows, for its progress line. */
export const sectionSummary = (r: Results, section: string): string =>
  section in SECTION_ROWS ? renderRows(r, [section as keyof typeof SECTION_ROWS], computeChecks(r)).join('\n') : '';

export function renderTable(r: Results): string {
  const lines = renderRows(r, Object.keys(SECTION_ROWS) as (keyof typeof SECTION_ROWS)[]);
  const { git, machine } = r;
  const head = `Buildmarkets Webhooks bench (${r.mode}) — ${r.generated_at}, commit ${git.commit?.slice(0, 10) ?? '?'}${git.dirty_files ? ` +${git.dirty_files} changed files` : ''}, ${machine.cpus} CPUs, load ${machine.loadavg_at_start.map((l) => l.toFixed(2)).join(' ')}`;
  const busy = machine.loadavg_at_start[0]! >= machine.cpus * 0.5;
  const tail = [
    ...(busy ? [`Warning: the machine was already busy when the bench started (1-min load ${machine.loadavg_at_start[0]} on ${machine.cpus} cores): numbers are pessimistic.`] : []),
    `Caveat: ${machine.caveat}`,
    ...r.findings.map((f) => `Finding: ${f}`),
    ...r.errors.map((e) => `Error: ${e}`),
  ];
  return [head, '', ...lines, '', ...tail, ''].join('\n');
}
