// The bench's targets, pass/fail checks, and the short table printed on stdout (a section's
// rows are also its progress line when it ends).

/** What a section's run function resolves to: its key of the results. */
type Of<Run extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<Run>>;
type StormResult = Of<typeof import('./storm.js').runStorm>;

type Target = { label: string; max?: number; below?: number; min?: number; from?: string };
/** The targets by check name: the figure at that path of the results (or at `from`) against its bound; checked where it was measured. */
export const TARGETS: Record<string, Target> = {
  'pipeline.deliveries_per_sec': { min: 1000, label: '≥ 1,000 deliveries/s' },
  'pipeline.p99_ms': { below: 250, label: 'p99 < 250 ms' },
  'pipeline.missing': { max: 0, label: 'no missing deliveries' },
  'cost.calls_per_delivery': { max: 2.5, label: '≤ 2.5 AWS API calls per delivery' },
  'cost.dynamodb_wru_per_delivery': { max: 2, label: '≤ 2 DynamoDB write units per delivery' },
  'cost.usd_per_million_deliveries': { max: 1.5, label: '≤ $1.50 per million deliveries', from: 'cost.usd_per_million_deliveries.total' },
  'cost.usd_per_million_all_in.w4': { max: 1.5, label: '≤ $1.50 all-in per million at 4 webhooks per event', from: 'cost.usd_per_million_all_in.w4.total' },
  'cost.usd_per_million_all_in.w1': { max: 2.4, label: '≤ $2.40 all-in per million at 1 webhook per event', from: 'cost.usd_per_million_all_in.w1.total' },
  // The kms section's figure (envelope encryption, the worse traffic shape); a cost of every delivery, hence the name.
  'cost.kms_calls_per_delivery': { max: 0.001, label: '≤ 0.001 KMS calls per delivery at 100,000 webhooks', from: 'kms.kms_calls_per_delivery' },
  'storm.ratio': { max: 2, label: 'healthy p99 in the storm ≤ 2× alone' },
  'storm.large.ratio': { max: 2, label: 'healthy p99 in the storm ≤ 2× alone' },
  'isolation.ratio': { max: 2, label: 'healthy p99 beside a black hole ≤ 2× alone' },
  'outage.in_flight_max': { below: 12_000, label: 'in flight < 10 % of SQS 120k' },
  'outage.lost': { max: 0, label: 'nothing lost' },
  'cold_start.max_ms': { below: 60, label: 'slowest bundle import < 60 ms' },
};

type Check = { name: string; value: number | null; target: string; pass: boolean | null };
/** The pipeline's latency at 50 % and 80 % of the capacity it measured. */
type AtLoad = Partial<Record<`p${50 | 99}_ms_at_${50 | 80}pct`, number | null>>;

export type Results = {
  bench: string;
  generated_at: string;
  mode: 'quick' | 'full';
  duration_s?: number;
  git: { commit: string | null; dirty_files: number | null };
  machine: { cpus: number; cpu_model: string; node: string; loadavg_at_start: number[]; loadavg_at_end?: number[]; caveat: string };
  options: Record<string, unknown>;
  runtime_env: Record<string, string>;
  targets: Record<string, Target>;
  checks: Check[];
  ratio: number | null;
  pipeline?: Of<typeof import('./pipeline.js').runPipeline> & { warm_up: import('./pipeline.js').WarmUp } & AtLoad;
  raw?: Of<typeof import('./raw.js').runRaw>;
  connection_reuse?: Of<typeof import('./connection-reuse.js').runConnectionReuse>;
  cost?: import('./cost.js').CostResult;
  cost_info_logs?: Of<typeof import('./log-bytes.js').measureInfoLogBytes>;
  cold_start?: Of<typeof import('./cold-start.js').runColdStart>;
  api?: Of<typeof import('./api.js').runApi>;
  isolation?: import('./isolation.js').IsolationResult;
  storm?: StormResult & { large?: StormResult };
  controls?: Of<typeof import('./controls.js').runControls>;
  outage?: Of<typeof import('./outage.js').runOutageSimulation>;
  sweep?: Of<typeof import('./sweep.js').runSweepBench>;
  kms?: Of<typeof import('./kms.js').runKmsBench>;
  delivery_cpu?: Of<typeof import('./delivery-cpu.js').runDeliveryCpu>;
  runtime_output?: ReturnType<typeof import('./sections.js').summariseOutput>;
  /** `errors`: what the bench could not measure; `findings`: measured oddities of the product (missing deliveries, runtime errors, …). */
  errors: string[];
  findings: string[];
};

export function computeChecks(r: Results): Check[] {
  const checks: Check[] = [];
  const check = (name: string, value: number | null | undefined, target: string, pass: (v: number) => boolean) =>
    checks.push({ name, value: value ?? null, target, pass: value == null ? null : pass(value) });
  const at = (path: string) => path.split('.').reduce<unknown>((o, key) => (o as Record<string, unknown> | undefined)?.[key], r) as number | null | undefined;
  for (const [name, { label, max = Infinity, below = Infinity, min = -Infinity, from = name }] of Object.entries(TARGETS)) {
    if (at(from) !== undefined) check(name, at(from), label, (v) => v <= max && v < below && v >= min);
  }
  for (const [key, s] of [['storm', r.storm], ['storm.large', r.storm?.large]] as const) {
    const n = s?.slow_endpoints.length;
    if (s) check(`${key}.slow_within_2x`, s.slow_endpoints.filter((e) => e.within_2x).length, `all ${n}`, (v) => v === n);
  }
  const i = r.isolation;
  if (i) check('isolation.healthy_delivered', i.healthy_delivered, `all ${i.healthy_expected}`, (v) => v === i.healthy_expected);
  return checks;
}

const fmt = (v: number | null | undefined, digits = 0) =>
  v == null ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const pair = (a: number | null | undefined, b: number | null | undefined, digits = 0) => `${fmt(a, digits)} / ${fmt(b, digits)}`;
type Row = [metric: string, value: string];

const stormRows = (s: StormResult, name = ''): Row[] => [
  [`${name}load`, `${s.seconds} s: ${s.healthy} healthy at ${s.healthyRate}/s; ${s.holes} black holes, ${s.slow} slow at ${s.rate}/s`],
  ['healthy p99 alone / in the storm', `${pair(s.alone.p99_ms, s.storm.p99_ms)} ms (ratio ${fmt(s.ratio, 2)}), lost ${s.lost}`],
  ['slow endpoints: received, s to the last', s.slow_endpoints.map((e) => `${e.received}/${e.expected} in ${e.seconds_to_last} s`).join(', ')],
];

function pipelineRows(p: NonNullable<Results['pipeline']>): Row[] {
  const { offered, warm_up: w } = p;
  const overloaded = offered.deliveries_per_sec > 1.1 * (p.deliveries_per_sec ?? Infinity);
  const sustainable = Math.max(1, Math.floor((0.8 * (p.deliveries_per_sec ?? 0)) / p.webhooks));
  return [
    ['offered', `${offered.events_per_sec} events/s × ${p.webhooks} webhooks = ${offered.deliveries_per_sec}/s for ${offered.duration_s} s`],
    ['deliveries/s sustained (while publishing)', `${fmt(p.deliveries_per_sec)} (${fmt(p.during_load_deliveries_per_sec)})`],
    ['publish → receipt p50 / p99', `${pair(p.p50_ms, p.p99_ms, 1)} ms (max ${fmt(p.max_ms)})`],
    ...(overloaded ? [['  overloaded', `latency is backlog: --rate ${sustainable} for a sustainable load`] as Row] : []),
    ['p50 / p99 one at a time', `${pair(w.unloaded.p50_ms, w.unloaded.p99_ms, 1)} ms`],
    ['p50 / p99 at 50 %, 80 % of capacity', `${pair(p.p50_ms_at_50pct, p.p99_ms_at_50pct)}, ${pair(p.p50_ms_at_80pct, p.p99_ms_at_80pct)} ms`],
    ['delivered / verified / missing / dup', `${pair(p.delivered, p.verified)} / ${pair(p.missing, p.duplicates)}`],
    ['runtime CPU', `${fmt(p.cpu.runtime_pct_of_one_core)}% of a core, ${fmt(p.cpu.runtime_cpu_ms_per_delivery, 2)} ms/delivery`],
  ];
}

function costRows(c: NonNullable<Results['cost']>): Row[] {
  const a = c.usd_per_million_all_in;
  const allIn = (w: 'w1' | 'w4') => `$${fmt(a?.[w].total, 2)} ($${fmt(a?.[w].total_without_reuse, 2)} without connection reuse)`;
  const services = Object.entries(c.calls_per_delivery_by_service).map(([k, v]) => `${k} ${fmt(v, 2)}`).join(', ');
  const usd = (u: { total: number | null }) => `$${fmt(u.total, 2)}`;
  return [
    ['AWS API calls per delivery', `${fmt(c.calls_per_delivery, 2)} (${services})`],
    ['WRU / RRU, SQS requests per delivery', `${c.dynamodb_wru_per_delivery} / ${c.dynamodb_rru_per_delivery}, ${c.sqs_requests_per_delivery}`],
    ['USD per 1M deliveries (provisioned option)', `${usd(c.usd_per_million_deliveries)} (${usd(c.usd_per_million_deliveries_provisioned)})`],
    ['all-in USD per 1M, 4 webhooks per event', allIn('w4')],
    ['all-in USD per 1M, 1 webhook per event', allIn('w1')],
  ];
}

const SECTION_ROWS: { [K in keyof Results]?: (v: NonNullable<Results[K]>, r: Results) => Row[] } = {
  pipeline: pipelineRows,
  raw: (raw, r) => [[`signed POSTs/s (${raw.concurrency} concurrent)`, `${raw.posts_per_sec} (p99 ${raw.latency.p99_ms} ms), ratio ${r.ratio}`]],
  connection_reuse: ({ without_reuse: a, with_reuse: b }) => [
    ['TLS handshakes without / with the pool', `${pair(a.tls_handshakes, b.tls_handshakes)} in ${fmt(b.attempts)} attempts`],
    ['attempt p50 without / with', `${pair(a.attempt_ms.p50_ms, b.attempt_ms.p50_ms, 1)} ms`],
  ],
  cost: costRows,
  storm: (s) => [...stormRows(s), ...(s.large ? stormRows(s.large, 'large: ') : [])],
  controls: ({ rate_limit: l, ordering: o }) => [
    [`rate limit ${l.limit_per_s}/s: most in a second, received`, `${l.max_in_any_second}, ${l.received} of ${l.events}`],
    ['neighbour p99 alone / beside', `${pair(l.neighbour_p99_alone_ms, l.neighbour_p99_beside_ms)} ms`],
    ['per_entity / none: deliveries/s, in order', `${pair(o.per_entity.deliveries_per_s, o.none.deliveries_per_s)}, ${o.per_entity.in_order}`],
  ],
  cold_start: (cs) => [['slowest import, biggest bundle', `${cs.max_ms} ms (${cs.max_ms_handler}), ${cs.max_kb} KB (${cs.max_kb_handler})`]],
  isolation: (i) => [
    ['healthy p99 alone / beside a black hole', `${pair(i.alone_p99_ms, i.beside_bad_p99_ms)} ms (ratio ${fmt(i.ratio, 2)})`],
    ['healthy delivered', `${i.healthy_delivered} of ${i.healthy_expected}`],
  ],
  outage: (o) => [
    ['in flight (max) / parked (max)', pair(o.in_flight_max, o.parked_max)],
    ['delivered after recovery / lost', `${o.delivered_to_recovered} of ${o.events} in ${fmt(o.recovery_s, 1)} s / ${o.lost}`],
  ],
  sweep: (w) => [['parked jobs re-queued', `${w.requeued} of ${w.parked}, ${fmt(w.jobs_per_sec)} jobs/s`]],
  kms: ({ envelope: e, ...k }) => [
    ['KMS calls per delivery, uniform / skewed', pair(e.uniform.kms_calls_per_delivery, e.skewed.kms_calls_per_delivery, 6)],
    [`KMS USD/month at ${k.options.deliveriesPerSec}/s`, `${k.usd_per_month_at_rate} (kms1: ${k.baseline_kms1.uniform.usd_per_month_at_rate})`],
  ],
  delivery_cpu: (d) => [['CPU per delivery', `${fmt(d.cpu_ms_per_delivery, 3)} ms (${fmt(d.wall_ms_per_batch, 1)} ms per batch of 10)`]],
  api: ({ get_webhooks: get, post_webhooks: post, auth_flood: flood }) => [
    ['GET / POST /v1/webhooks req/s', `${pair(get.requests_per_sec, post.requests_per_sec)} (p99 ${pair(get.p99_ms, post.p99_ms)} ms)`],
    ['auth flood: bystander p50 alone / during', `${pair(flood.bystander_alone.p50_ms, flood.bystander_during_flood.p50_ms, 1)} ms`],
  ],
};

/** The sections' rows, then the checks of those sections, in aligned columns. */
function renderRows(r: Results, sections: string[], checks: Check[]): string[] {
  const rowsOf = (s: string) => {
    const [v, rows] = [r[s as keyof Results], SECTION_ROWS[s as keyof Results]];
    return v == null || !rows ? [] : rows(v as never, r);
  };
  const rows = sections.flatMap((s) => rowsOf(s).map(([m, v], i) => [i ? '' : s, m, v]));
  checks.filter((c) => sections.includes(c.name.split('.')[0]!)).forEach((c, i) => {
    rows.push([i ? '' : 'checks', c.name, `${c.pass == null ? '' : c.pass ? 'PASS' : 'FAIL'} ${c.value ?? '—'} (${c.target})`]);
  });
  const widths = [0, 1].map((i) => Math.max(0, ...rows.map((x) => x[i]!.length)));
  return rows.map(([s, m, v]) => `${s!.padEnd(widths[0]!)}  ${m!.padEnd(widths[1]!)}  ${v}`);
}

export const sectionSummary = (r: Results, section: string) => renderRows(r, [section], computeChecks(r)).join('\n');

export function renderTable(r: Results): string {
  const { git, machine } = r;
  const commit = `commit ${git.commit?.slice(0, 10) ?? '?'}${git.dirty_files ? ` +${git.dirty_files} changed files` : ''}`;
  const load = machine.loadavg_at_start;
  return [
    `Buildmarkets Webhooks bench (${r.mode}) — ${r.generated_at}, ${commit}, ${machine.cpus} CPUs, load ${load.join(' ')}`,
    '',
    ...renderRows(r, Object.keys(SECTION_ROWS), r.checks),
    '',
    ...(load[0]! >= machine.cpus * 0.5 ? [`Warning: the machine was busy at the start (1-min load ${load[0]}): numbers are pessimistic.`] : []),
    `Caveat: ${machine.caveat}`,
    ...r.findings.map((f) => `Finding: ${f}`),
    ...r.errors.map((e) => `Error: ${e}`),
    '',
  ].join('\n');
}
