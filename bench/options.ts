// Command-line flags of `npm run bench` (`-- --help` lists them).
import { parseArgs } from 'node:util';

/** The sections `--only` accepts; each has its runner in sections.ts (SECTION_RUNNERS), which sets the order. */
export const SECTIONS = ['pipeline', 'raw', 'connection_reuse', 'cost', 'cold_start', 'api', 'isolation', 'storm', 'controls', 'outage', 'sweep', 'kms', 'delivery_cpu'] as const;
export type Section = (typeof SECTIONS)[number];

type Bounds = { min: number; max?: number; integer?: boolean };
type NumberFlag = [flag: string, full: number | undefined, quick: number | undefined, bounds: Bounds, help: string];
const int = (min: number, max?: number): Bounds => ({ min, max, integer: true });

/** Numeric flags by option key, in --help's order; no default: unset unless given. Help lines after the first are continued. */
const NUMBERS = {
  rate: ['rate <events/s>', 400, undefined, { min: 0.1 }, 'offered load, events per second (default 400; × --webhooks = deliveries/s)'],
  durationS: ['duration <s>', 30, 5, { min: 1 }, 'pipeline load duration (default 30, quick 5)'],
  batch: ['batch <n>', 10, undefined, int(1, 10), 'entries per PutEvents call, 1-10 (default 10)'],
  maxInFlight: ['max-in-flight <n>', 20, undefined, int(1),
    'outstanding PutEvents calls at most (default 20); calls due beyond it wait in the\nbench and their latency still counts from the scheduled time'],
  webhooks: ['webhooks <n>', 4, undefined, int(1, 30), 'webhooks of partner dev, each subscribed to all events (default 4)'],
  drainTimeoutS: ['drain-timeout <s>', 0, undefined, { min: 0 },
    'how long to wait for the backlog after the load ends (default: time for the\noffered deliveries at 150/s, at least 60 s)'],
  rawConcurrency: ['raw-concurrency <n>', 40, undefined, int(1),
    'concurrent raw POSTs (default 40 = 4 pollers × batch 10, the runtime\'s delivery concurrency)'],
  rawDurationS: ['raw-duration <s>', 20, 8, { min: 1 }, '(default 20, quick 8)'],
  apiConnections: ['api-connections <n>', 10, undefined, int(1), '(default 10)'],
  apiDurationS: ['api-duration <s>', 10, 5, { min: 1 }, 'per endpoint (default 10, quick 5)'],
  coldRuns: ['cold-runs <n>', 10, 5, int(1), 'imports per handler, median reported (default 10, quick 5)'],
  deliveryConcurrency: ['delivery-concurrency <n>', undefined, undefined, int(1, 64),
    'DELIVERY_CONCURRENCY for the runtime (default: the runtime\'s own, 4)'],
  deliverMs: ['deliver-ms <ms>', 250, undefined, { min: 1 }, 'cost model: assumed duration of one delivery invocation (default 250)'],
} satisfies Record<string, NumberFlag>;
type NumberKey = keyof typeof NUMBERS;

export type Options = { quick: boolean; sections: Set<Section>; out: string; deliveryConcurrency?: number } & Record<
  Exclude<NumberKey, 'deliveryConcurrency'>,
  number
>;

const line = (flag: string, help: string) => `  ${flag.padEnd(29)}${help.replaceAll('\n', `\n${' '.repeat(31)}`)}`;
export const USAGE = [
  'npm run bench [-- options]',
  line('--quick', 'short run for regular use (< 3 min): shorter phases, fewer runs'),
  line('--only <a,b>', `sections: ${SECTIONS.join(',')} (cost needs pipeline; default all)`),
  ...Object.values(NUMBERS).map(([flag, , , , help]) => line(`--${flag}`, help)),
  line('--out <file>', 'results file (default bench/results.json)'),
].join('\n');

function parseNumber(flag: string, raw: string, { min, max = Infinity, integer = false }: Bounds): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) throw new Error(`--${flag}: expected a number ≥ ${min}${max < Infinity ? ` and ≤ ${max}` : ''}, got ${raw}`);
  return n;
}

export function parseOptions(argv: string[]): Options {
  const name = (flag: string) => flag.split(' ')[0]!;
  const numberFlags = Object.fromEntries(Object.values(NUMBERS).map(([flag]) => [name(flag), { type: 'string' as const }]));
  const flags = { quick: { type: 'boolean', default: false }, help: { type: 'boolean', default: false }, only: { type: 'string' }, out: { type: 'string', default: 'bench/results.json' } } as const;
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
  const number = ([flag, full, quick, bounds]: NumberFlag) =>
    raw[name(flag)] === undefined ? (values.quick ? (quick ?? full) : full) : parseNumber(name(flag), String(raw[name(flag)]), bounds);
  const numbers = Object.fromEntries(Object.entries(NUMBERS).map(([key, spec]) => [key, number(spec)])) as Pick<Options, NumberKey>;
  return { quick: values.quick, sections, ...numbers, out: values.out };
}
