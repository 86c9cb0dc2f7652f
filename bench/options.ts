// Command-line flags of `npm run bench` (`-- --help` lists them).
import { parseArgs } from 'node:util';

/** The sections `--only` accepts; each has its runner in sections.ts (SECTION_RUNNERS), which sets the order. */
export const SECTIONS = ['pipeline', 'raw', 'connection_reuse', 'cost', 'cold_start', 'api', 'isolation', 'storm', 'controls', 'outage', 'sweep', 'kms'] as const;
export type Section = (typeof SECTIONS)[number];

export type Options = {
  quick: boolean;
  sections: Set<Section>;
  rate: number;
  durationS: number;
  batch: number;
  maxInFlight: number;
  webhooks: number;
  drainTimeoutS: number;
  rawConcurrency: number;
  rawDurationS: number;
  apiConnections: number;
  apiDurationS: number;
  coldRuns: number;
  deliveryConcurrency?: number;
  deliverMs: number;
  profile: boolean;
  out: string;
};

export const USAGE = `npm run bench [-- options]
  --quick                      short run for regular use (< 3 min): shorter phases, fewer runs
  --only <a,b>                 sections: ${SECTIONS.join(',')} (cost needs pipeline; default all)
  --rate <events/s>            offered load, events per second (default 400; × --webhooks = deliveries/s)
  --duration <s>               pipeline load duration (default 30, quick 5)
  --batch <n>                  entries per PutEvents call, 1-10 (default 10)
  --max-in-flight <n>          outstanding PutEvents calls at most (default 20); calls due beyond it wait in the
                               bench and their latency still counts from the scheduled time
  --webhooks <n>               webhooks of partner dev, each subscribed to all events (default 4)
  --drain-timeout <s>          how long to wait for the backlog after the load ends (default: time for the
                               offered deliveries at 150/s, at least 60 s)
  --raw-concurrency <n>        concurrent raw POSTs (default 40 = 4 pollers × batch 10, the runtime's delivery concurrency)
  --raw-duration <s>           (default 20, quick 8)
  --api-connections <n>        (default 10)
  --api-duration <s>           per endpoint (default 10, quick 5)
  --cold-runs <n>              imports per handler and variant, median reported (default 10, quick 5; quick
                               measures only the deployed variant)
  --delivery-concurrency <n>   DELIVERY_CONCURRENCY for the runtime (default: the runtime's own, 4)
  --deliver-ms <ms>            cost model: assumed duration of one delivery invocation (default 250)
  --profile                    run the runtime with --cpu-prof and summarise the pipeline window
  --out <file>                 results file (default bench/results.json)`;

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      batch: { type: 'string' },
      'max-in-flight': { type: 'string' },
      webhooks: { type: 'string' },
      'drain-timeout': { type: 'string' },
      'raw-concurrency': { type: 'string' },
      'raw-duration': { type: 'string' },
      'api-connections': { type: 'string' },
      'api-duration': { type: 'string' },
      'cold-runs': { type: 'string' },
      'delivery-concurrency': { type: 'string' },
      'deliver-ms': { type: 'string' },
      profile: { type: 'boolean', default: false },
      out: { type: 'string', default: 'bench/results.json' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const quick = values.quick;
  const num = (name: keyof typeof values, fallback: number, { min = 0, integer = false, max = Infinity } = {}): number => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) throw new Error(`--${name}: expected a number ≥ ${min}${max < Infinity ? ` and ≤ ${max}` : ''}, got ${String(raw)}`);
    return n;
  };
  const sections = new Set<Section>();
  for (const s of (values.only ?? SECTIONS.join(',')).split(',').map((x) => x.trim().replace('-', '_'))) {
    if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`--only: unknown section ${s} (${SECTIONS.join(', ')})`);
    sections.add(s as Section);
  }
  if (sections.has('cost')) sections.add('pipeline');
  return {
    quick,
    sections,
    rate: num('rate', 400, { min: 0.1 }),
    durationS: num('duration', quick ? 5 : 30, { min: 1 }),
    batch: num('batch', 10, { min: 1, max: 10, integer: true }),
    maxInFlight: num('max-in-flight', 20, { min: 1, integer: true }),
    webhooks: num('webhooks', 4, { min: 1, max: 30, integer: true }),
    drainTimeoutS: num('drain-timeout', 0, { min: 0 }),
    rawConcurrency: num('raw-concurrency', 40, { min: 1, integer: true }),
    rawDurationS: num('raw-duration', quick ? 8 : 20, { min: 1 }),
    apiConnections: num('api-connections', 10, { min: 1, integer: true }),
    apiDurationS: num('api-duration', quick ? 5 : 10, { min: 1 }),
    coldRuns: num('cold-runs', quick ? 5 : 10, { min: 1, integer: true }),
    deliveryConcurrency: values['delivery-concurrency'] === undefined ? undefined : num('delivery-concurrency', 4, { min: 1, max: 64, integer: true }),
    deliverMs: num('deliver-ms', 250, { min: 1 }),
    profile: values.profile,
    out: values.out,
  };
}
