// `cold_start`: each `lambdas/*.handler.ts` bundled as the CDK stack bundles it (the BUNDLING
// options of lib/webhook-function.ts, translated to esbuild's API the way NodejsFunction does),
// then imported in a fresh Node process: the time of `await import(bundle)` measured inside the
// child (process start-up excluded) and the child's whole wall time, median of N runs.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { writePortalAssets } from '../portal/build.js';
import { progress } from './log.js';
import { ROOT } from './paths.js';
import { median, round } from './stats.js';

/** The subset of CDK's BundlingOptions the stack uses (lib/webhook-function.ts BUNDLING). */
type CdkBundling = {
  format?: string;
  target?: string;
  mainFields?: readonly string[];
  minify?: boolean;
  sourceMap?: boolean;
  sourceMapMode?: string;
  sourcesContent?: boolean;
  bundleAwsSDK?: boolean;
  externalModules?: readonly string[];
  banner?: string;
  footer?: string;
  keepNames?: boolean;
  define?: Record<string, string>;
  loader?: Record<string, string>;
};

/** The stack's own bundling options (lib/webhook-function.ts), so the bench measures what deploys. */
async function loadBundling(): Promise<{ bundling: CdkBundling; source: string }> {
  const lib = (await import('../lib/webhook-function.js')) as { BUNDLING: CdkBundling };
  return { bundling: lib.BUNDLING, source: 'lib/webhook-function.ts BUNDLING' };
}

/** What aws-lambda-nodejs passes to esbuild for these props (its bundling.js, createBundlingCommand). */
function toEsbuild(b: CdkBundling): BuildOptions {
  const esm = b.format === 'esm';
  return {
    bundle: true,
    platform: 'node',
    target: b.target ?? 'node24',
    format: esm ? 'esm' : 'cjs',
    minify: b.minify ?? false,
    sourcemap: b.sourceMap ? ((b.sourceMapMode ?? 'default') === 'default' ? true : (b.sourceMapMode as BuildOptions['sourcemap'])) : false,
    ...(b.sourcesContent === false ? { sourcesContent: false } : {}),
    external: [...(b.externalModules ?? (b.bundleAwsSDK ? [] : ['@aws-sdk/*']))],
    ...(b.mainFields ? { mainFields: [...b.mainFields] } : {}),
    ...(b.banner ? { banner: { js: b.banner } } : {}),
    ...(b.footer ? { footer: { js: b.footer } } : {}),
    ...(b.keepNames ? { keepNames: true } : {}),
    ...(b.define ? { define: b.define } : {}),
    ...(b.loader ? { loader: b.loader as BuildOptions['loader'] } : {}),
    outExtension: { '.js': esm ? '.mjs' : '.js' },
    logLevel: 'silent',
  };
}

/** The environment a deployed function has (names only matter; nothing is called at import). */
const FUNCTION_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  ENVIRONMENT: 'sandbox',
  LOG_LEVEL: 'info',
  WEBHOOKS_TABLE: 'buildmarkets-webhooks',
  API_KEYS_TABLE: 'buildmarkets-api-keys',
  JOBS_TABLE: 'buildmarkets-delivery-jobs',
  DELIVERIES_TABLE: 'buildmarkets-deliveries',
  REJECTED_EVENTS_TABLE: 'buildmarkets-rejected-events',
  RATE_LIMITS_TABLE: 'buildmarkets-rate-limits',
  DELIVERY_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/buildmarkets-deliveries',
  SECRETS_KMS_KEY_ID: 'arn:aws:kms:us-east-1:000000000000:key/00000000-0000-0000-0000-000000000000',
};

const PROBE = `const file = process.argv[2];
const t0 = performance.now();
const mod = await import(file);
const t1 = performance.now();
if (typeof mod.handler !== 'function') throw new Error('no handler export');
process.stdout.write(JSON.stringify({ import_ms: t1 - t0, started_ms: t0 }));
`;

type Run = { import_ms: number; wall_ms: number };

function runProbe(probe: string, bundle: string, sourceMaps: boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [probe, pathToFileURL(bundle).href], {
      env: { PATH: process.env.PATH ?? '', ...FUNCTION_ENV, ...(sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const wall = performance.now() - started;
      if (code !== 0) return reject(new Error(`importing ${bundle} failed (${code}): ${err.trim().split('\n').slice(0, 5).join(' | ')}`));
      try {
        resolve({ import_ms: (JSON.parse(out) as { import_ms: number }).import_ms, wall_ms: wall });
      } catch {
        reject(new Error(`unexpected probe output for ${bundle}: ${out} ${err}`));
      }
    });
  });
}

export type ColdStartHandler = {
  kb: number | null;
  map_kb: number | null;
  import_ms: number | null;
  import_ms_min: number | null;
  import_ms_max: number | null;
  import_ms_without_source_maps: number | null;
  process_wall_ms: number | null;
  /** The biggest contributors to the bundle, in KB of output. */
  top_packages: { name: string; kb: number | null }[];
};

/** Bytes in one output by npm package (or `our code`), from esbuild's metafile. */
function packagesIn(inputs: Record<string, { bytesInOutput: number }>): { name: string; kb: number | null }[] {
  const byPackage = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(inputs)) {
    const i = path.lastIndexOf('node_modules/');
    let name = 'our code (lambdas/)';
    if (i >= 0) {
      const parts = path.slice(i + 'node_modules/'.length).split('/');
      name = parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
    }
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  return [...byPackage]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([name, bytes]) => ({ name, kb: round(bytes / 1024, 1) }));
}

export async function runColdStart(options: { runs: number; withoutSourceMaps: boolean }) {
  const { bundling, source } = await loadBundling();
  const esbuildOptions = toEsbuild(bundling);
  const dir = mkdtempSync(join(tmpdir(), 'bmw-bench-bundles-'));
  await writePortalAssets(); // the portal handler imports its built assets
  try {
    const handlers = readdirSync(join(ROOT, 'lambdas'))
      .filter((f) => f.endsWith('.handler.ts'))
      .sort()
      .map((f) => f.replace(/\.handler\.ts$/, ''));
    progress(`cold_start: bundling ${handlers.length} handlers (${source})…`);
    const t = performance.now();
    // One build, one output per entry point (no code splitting): each bundle is what its function gets.
    const built = await build({
      ...esbuildOptions,
      metafile: true,
      absWorkingDir: ROOT,
      entryPoints: Object.fromEntries(handlers.map((h) => [h, join(ROOT, 'lambdas', `${h}.handler.ts`)])),
      outdir: dir,
      write: true,
    });
    const buildMs = performance.now() - t;
    const ext = esbuildOptions.outExtension?.['.js'] ?? '.js';
    const bundles = Object.fromEntries(handlers.map((h) => [h, join(dir, `${h}${ext}`)]));
    const probe = join(dir, 'probe.mjs');
    writeFileSync(probe, PROBE);

    const variants = options.withoutSourceMaps ? ' × 2 (with/without --enable-source-maps)' : ' (with --enable-source-maps, as deployed)';
    progress(`cold_start: importing each bundle in a fresh process, ${options.runs} runs × ${handlers.length} handlers${variants}…`);
    // One discarded run each (file cache), then the runs, interleaved so background noise spreads evenly.
    for (const h of handlers) await runProbe(probe, bundles[h]!, true);
    const runs: Record<string, { maps: Run[]; plain: Run[] }> = Object.fromEntries(handlers.map((h) => [h, { maps: [], plain: [] }]));
    for (let r = 0; r < options.runs; r++) {
      for (const h of handlers) {
        runs[h]!.maps.push(await runProbe(probe, bundles[h]!, true));
        if (options.withoutSourceMaps) runs[h]!.plain.push(await runProbe(probe, bundles[h]!, false));
      }
    }

    // The floor of the method: an empty module, imported the same way.
    const empty = join(dir, 'empty.mjs');
    writeFileSync(empty, 'export const handler = async () => {};\n');
    const baseline: Run[] = [];
    for (let r = 0; r < options.runs; r++) baseline.push(await runProbe(probe, empty, true));

    const result: Record<string, ColdStartHandler> = {};
    const outputs = built.metafile!.outputs;
    const contents = (h: string) => Object.entries(outputs).find(([file]) => file.endsWith(`/${h}${ext}`))?.[1].inputs ?? {};
    for (const h of handlers) {
      const maps = runs[h]!.maps.map((r) => r.import_ms);
      let mapKb: number | null = null;
      try {
        mapKb = round(statSync(`${bundles[h]!}.map`).size / 1024, 1);
      } catch {
        // no source map
      }
      result[h] = {
        kb: round(statSync(bundles[h]!).size / 1024, 1),
        map_kb: mapKb,
        import_ms: round(median(maps), 1),
        import_ms_min: round(Math.min(...maps), 1),
        import_ms_max: round(Math.max(...maps), 1),
        import_ms_without_source_maps: round(median(runs[h]!.plain.map((r) => r.import_ms)), 1),
        process_wall_ms: round(median(runs[h]!.maps.map((r) => r.wall_ms)), 1),
        top_packages: packagesIn(contents(h)),
      };
    }
    const slowest = handlers.reduce((a, b) => ((result[b]!.import_ms ?? 0) > (result[a]!.import_ms ?? 0) ? b : a));
    const biggest = handlers.reduce((a, b) => ((result[b]!.kb ?? 0) > (result[a]!.kb ?? 0) ? b : a));
    return {
      max_ms: result[slowest]!.import_ms,
      max_ms_handler: slowest,
      max_kb: result[biggest]!.kb,
      max_kb_handler: biggest,
      runs: options.runs,
      baseline_empty_module: {
        import_ms: round(median(baseline.map((r) => r.import_ms)), 2),
        process_wall_ms: round(median(baseline.map((r) => r.wall_ms)), 1),
      },
      node: process.version,
      build_ms: round(buildMs, 0),
      options_source: source,
      esbuild_options: esbuildOptions,
      method:
        'import_ms = median of performance.now() around `await import(bundle)` inside a fresh `node` child (Node of this process) with NODE_OPTIONS=--enable-source-maps as the stack sets it; ' +
        'import_ms_without_source_maps = the same without it (full mode only); process_wall_ms = spawn → exit of that child, as seen by the bench. One discarded warm-up run per bundle (OS file cache).',
      handlers: result,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type ColdStartResult = Awaited<ReturnType<typeof runColdStart>>;
