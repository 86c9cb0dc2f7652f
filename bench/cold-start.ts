// `cold_start`: each `lambdas/*.handler.ts` bundled as the CDK stack bundles it (the BUNDLING
// options of lib/webhook-function.ts, translated to esbuild's API the way NodejsFunction does),
// then imported in a fresh Node process: the time of `await import(bundle)` measured inside the
// child (process start-up excluded) and the child's whole wall time, median of N runs. Variants
// (full mode): the stack's NODE_OPTIONS as deployed, with and without `--enable-source-maps`, and
// with Node's module compile cache made at bundle time (one import with NODE_COMPILE_CACHE set).
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { writePortalAssets } from '../portal/build.js';
import { progress } from './log.js';
import { ROOT } from './paths.js';
import { runProcessOk } from './process.js';
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
  /** Only `--alias` (`name=path`, path relative to the project root) is used. */
  esbuildArgs?: Record<string, string>;
};

/** The stack's own bundling options (lib/webhook-function.ts), so the bench measures what deploys. */
async function loadBundling(): Promise<{ bundling: CdkBundling; nodeOptions: string; source: string }> {
  const lib = (await import('../lib/webhook-function.js')) as { BUNDLING: CdkBundling; FUNCTION_NODE_OPTIONS: string };
  return { bundling: lib.BUNDLING, nodeOptions: lib.FUNCTION_NODE_OPTIONS, source: 'lib/webhook-function.ts BUNDLING, FUNCTION_NODE_OPTIONS' };
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
    ...(b.esbuildArgs?.['--alias'] ? { alias: aliasOf(b.esbuildArgs['--alias']), absWorkingDir: ROOT } : {}),
    outExtension: { '.js': esm ? '.mjs' : '.js' },
    logLevel: 'silent',
  };
}

/** `--alias:name=path` as the esbuild API takes it. */
function aliasOf(arg: string): Record<string, string> {
  const at = arg.indexOf('=');
  return { [arg.slice(0, at)]: arg.slice(at + 1) };
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

/** How a bundle is loaded: NODE_OPTIONS and, for the compile-cache variant, NODE_COMPILE_CACHE. */
type Variant = { nodeOptions: string; compileCache?: string };

async function runProbe(probe: string, bundle: string, variant: Variant): Promise<Run> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...FUNCTION_ENV };
  if (variant.nodeOptions) env.NODE_OPTIONS = variant.nodeOptions;
  if (variant.compileCache) env.NODE_COMPILE_CACHE = variant.compileCache;
  const { stdout, stderr, wall_ms } = await runProcessOk(process.execPath, [probe, pathToFileURL(bundle).href], { env });
  try {
    return { import_ms: (JSON.parse(stdout) as { import_ms: number }).import_ms, wall_ms };
  } catch {
    throw new Error(`unexpected probe output for ${bundle}: ${stdout} ${stderr}`);
  }
}

export type ColdStartHandler = {
  kb: number | null;
  map_kb: number | null;
  import_ms: number | null;
  import_ms_min: number | null;
  import_ms_max: number | null;
  import_ms_without_source_maps: number | null;
  import_ms_with_source_maps: number | null;
  /** The deployed NODE_OPTIONS plus Node's compile cache, made at bundle time by one import on this Node. */
  import_ms_compile_cache: number | null;
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

const withoutSourceMaps = (nodeOptions: string) => nodeOptions.replace(/--enable-source-maps\b/g, '').replace(/\s+/g, ' ').trim();
const withSourceMaps = (nodeOptions: string) => (/--enable-source-maps\b/.test(nodeOptions) ? nodeOptions : `${nodeOptions} --enable-source-maps`.trim());

/** `full`: every variant; otherwise only the stack's NODE_OPTIONS as deployed. */
export async function runColdStart(options: { runs: number; full: boolean }) {
  const { bundling, nodeOptions, source } = await loadBundling();
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

    const deployed: Variant = { nodeOptions };
    const variants: Record<string, (h: string) => Variant> = { deployed: () => deployed };
    if (options.full) {
      // The deployed variant is one of these two already: measure only the other.
      if (withSourceMaps(nodeOptions) !== nodeOptions) variants.source_maps = () => ({ nodeOptions: withSourceMaps(nodeOptions) });
      if (withoutSourceMaps(nodeOptions) !== nodeOptions) variants.no_source_maps = () => ({ nodeOptions: withoutSourceMaps(nodeOptions) });
      // "At bundle time": one import per bundle with the cache on writes it (Node flushes on exit).
      for (const h of handlers) {
        const cache = join(dir, `${h}.compile-cache`);
        mkdirSync(cache);
        await runProbe(probe, bundles[h]!, { ...deployed, compileCache: cache });
      }
      variants.compile_cache = (h) => ({ ...deployed, compileCache: join(dir, `${h}.compile-cache`) });
    }
    const names = Object.keys(variants);
    progress(`cold_start: importing each bundle in a fresh process, ${options.runs} runs × ${handlers.length} handlers × ${names.length} variant(s) (${names.join(', ')})…`);
    // One discarded run each (file cache), then the runs, interleaved so background noise spreads evenly.
    for (const h of handlers) await runProbe(probe, bundles[h]!, deployed);
    const runs: Record<string, Record<string, Run[]>> = Object.fromEntries(handlers.map((h) => [h, Object.fromEntries(names.map((v) => [v, []]))]));
    for (let r = 0; r < options.runs; r++) {
      for (const h of handlers) {
        for (const v of names) runs[h]![v]!.push(await runProbe(probe, bundles[h]!, variants[v]!(h)));
      }
    }

    // The floor of the method: an empty module, imported the same way.
    const empty = join(dir, 'empty.mjs');
    writeFileSync(empty, 'export const handler = async () => {};\n');
    const baseline: Run[] = [];
    for (let r = 0; r < options.runs; r++) baseline.push(await runProbe(probe, empty, deployed));

    const result: Record<string, ColdStartHandler> = {};
    const outputs = built.metafile!.outputs;
    const contents = (h: string) => Object.entries(outputs).find(([file]) => file.endsWith(`/${h}${ext}`))?.[1].inputs ?? {};
    const medianOf = (h: string, v: string) => {
      const same = options.full && ((v === 'source_maps' && withSourceMaps(nodeOptions) === nodeOptions) || (v === 'no_source_maps' && withoutSourceMaps(nodeOptions) === nodeOptions));
      const list = runs[h]![same ? 'deployed' : v];
      return list ? round(median(list.map((r) => r.import_ms)), 1) : null;
    };
    for (const h of handlers) {
      const main = runs[h]!.deployed!.map((r) => r.import_ms);
      let mapKb: number | null = null;
      try {
        mapKb = round(statSync(`${bundles[h]!}.map`).size / 1024, 1);
      } catch {
        // no source map
      }
      result[h] = {
        kb: round(statSync(bundles[h]!).size / 1024, 1),
        map_kb: mapKb,
        import_ms: round(median(main), 1),
        import_ms_min: round(Math.min(...main), 1),
        import_ms_max: round(Math.max(...main), 1),
        import_ms_without_source_maps: medianOf(h, 'no_source_maps'),
        import_ms_with_source_maps: medianOf(h, 'source_maps'),
        import_ms_compile_cache: medianOf(h, 'compile_cache'),
        process_wall_ms: round(median(runs[h]!.deployed!.map((r) => r.wall_ms)), 1),
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
      node_options: nodeOptions,
      baseline_empty_module: {
        import_ms: round(median(baseline.map((r) => r.import_ms)), 2),
        process_wall_ms: round(median(baseline.map((r) => r.wall_ms)), 1),
      },
      node: process.version,
      build_ms: round(buildMs, 0),
      options_source: source,
      esbuild_options: esbuildOptions,
      method:
        `import_ms = median of performance.now() around \`await import(bundle)\` inside a fresh \`node\` child (Node of this process) with the stack's NODE_OPTIONS (${JSON.stringify(nodeOptions)}); ` +
        'full mode only: import_ms_with_source_maps / import_ms_without_source_maps = the same with / without --enable-source-maps; ' +
        'import_ms_compile_cache = deployed NODE_OPTIONS + NODE_COMPILE_CACHE pointing at a cache written by one earlier import of the same bundle on this Node (as it would be made at bundle time). ' +
        'process_wall_ms = spawn → exit of the deployed-variant child, as seen by the bench. One discarded warm-up run per bundle (OS file cache).',
      handlers: result,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type ColdStartResult = Awaited<ReturnType<typeof runColdStart>>;
