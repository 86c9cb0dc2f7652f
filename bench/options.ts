// Command-line flags of `npm run bench` (`-- --help` lists them).
import { parseArgs } from 'node:util';

/** The sections `--only` accepts; each has its runner in sections.ts (SECTION_RUNNERS), which sets the order. */
export const SECTIONS = ['pipeline', 'raw', 'connection_reuse', 'cost', 'cold_start', 'api', 'isolation', 'storm', 'controls', 'outage', 'sweep', 'kms', 'delivery_cpu'] as const;
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

type NumberKey = Exclude<keyof Options, 'quick' | 'sections' | 'profile' | 'out'>;
type Bounds = { min: number; max?: number; integer?: boolean };

/** Numeric flags: [flag, default, quick default, bounds]; no default: unset unless given. */
const NUMBERS: Record<NumberKey, [string, number | undefined, number | undefined, Bounds]> = {
  rate: ['rate', 400, undefined, { min: 0.1 }],
  durationS: ['duration', 30, 5, { min: 1 }],
  batch: ['batch', 10, undefined, { min: 1, max: 10, integer: true }],
  maxInFlight: ['max-in-flight', 20, undefined, { min: 1, integer: true }],
  webhooks: ['webhooks', 4, undefined, { min: 1, max: 30, integer: true }],
  drainTimeoutS: ['drain-timeout', 0, undefined, { min: 0 }],
  rawConcurrency: ['raw-concurrency', 40, undefined, { min: 1, integer: true }],
  rawDurationS: ['raw-duration', 20, 8, { min: 1 }],
  apiConnections: ['api-connections', 10, undefined, { min: 1, integer: true }],
  apiDurationS: ['api-duration', 10, 5, { min: 1 }],
  coldRuns: ['cold-runs', 10, 5, { min: 1, integer: true }],
  deliveryConcurrency: ['delivery-concurrency', undefined, undefined, { min: 1, max: 64, integer: true }],
  deliverMs: ['deliver-ms', 250, undefined, { min: 1 }],
};

function parseNumber(flag: string, raw: string, { min, max = Infinity, integer = false }: Bounds): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) throw new Error(`--${flag}: expected a number ≥ ${min}${max < Infinity ? ` and ≤ ${max}` : ''}, got ${raw}`);
  return n;
}

export function parseOptions(argv: string[]): Options {
  const numberFlags = Object.fromEntries(Object.values(NUMBERS).map(([flag]) => [flag, { type: 'string' as const }]));
  const flags = { quick: { type: 'boolean', default: false }, profile: { type: 'boolean', default: false }, help: { type: 'boolean', default: false }, only: { type: 'string' }, out: { type: 'string', default: 'bench/results.json' } } as const;
  const { values } = parseArgs({ args: argv, options: { ...numberFlags, ...flags } });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const sections = new Set<Section>();
  for (const s of (values.only ?? SECTIONS.join(',')).split(',').map((x) => x.trim().replace('-', '_'))) {
    if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`--only: unknown section ${s} (${SECTIONS.join(', ')})`);
    sections.add(s as Section);
  }
  if (sections.has('cost')) sections.add('pipeline');
  const raw = values as Record<string, unknown>;
  const number = ([flag, full, quick, bounds]: (typeof NUMBERS)[NumberKey]) => (raw[flag] === undefined ? (values.quick ? (quick ?? full) : full) : parseNumber(flag, String(raw[flag]), bounds));
  const numbers = Object.fromEntries(Object.entries(NUMBERS).map(([key, spec]) => [key, number(spec)])) as Pick<Options, NumberKey>;
  return { quick: values.quick, sections, ...numbers, profile: values.profile, out: values.out };
}
