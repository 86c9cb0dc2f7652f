// `cold_start`: each `lambdas/*.handler.ts` bundled as the stack bundles it (HANDLER_BUILD_OPTIONS of
// lib/handler-bundle.ts), then `await import(bundle)` timed inside a fresh Node process with the stack's NODE_OPTIONS, median of N runs.
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { HANDLER_BUILD_OPTIONS, handlerEntry, handlerNames } from '../lib/handler-bundle.js';
import { FUNCTION_NODE_OPTIONS } from '../lib/webhook-function.js';
import { writePortalAssets } from '../portal/build.js';
import { median, progress, round, runProcess } from './util.js';

/** A deployed function's environment (nothing is called at import; the tables' names are config.ts's defaults). */
const FUNCTION_ENV = {
  AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', AWS_LAMBDA_FUNCTION_NAME: 'bench',
  ENVIRONMENT: 'sandbox', LOG_LEVEL: 'info', DELIVERY_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/buildmarkets-deliveries',
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

/** One `await import(bundle)` in a fresh Node with the stack's NODE_OPTIONS. */
async function runProbe(probe: string, bundle: string): Promise<Run> {
  const env = { PATH: process.env.PATH ?? '', ...FUNCTION_ENV, NODE_OPTIONS: FUNCTION_NODE_OPTIONS };
  const { stdout, stderr, wall_ms } = await runProcess(process.execPath, [probe, pathToFileURL(bundle).href], { env });
  try {
    return { import_ms: (JSON.parse(stdout) as { import_ms: number }).import_ms, wall_ms };
  } catch {
    throw new Error(`unexpected probe output for ${bundle}: ${stdout} ${stderr}`);
  }
}

/** KB in one output by npm package (or `our code`), from esbuild's metafile: the 8 biggest. */
function packagesIn(inputs: Record<string, { bytesInOutput: number }>): { name: string; kb: number | null }[] {
  const byPackage = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(inputs)) {
    const name = /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? 'our code (lambdas/)'; // the innermost package
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  return [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([name, bytes]) => ({ name, kb: round(bytes / 1024, 1) }));
}

/** One build, one output per handler (no code splitting): each bundle is what its function gets. */
async function bundleHandlers(esbuildOptions: BuildOptions, dir: string) {
  const handlers = handlerNames();
  progress(`cold_start: bundling ${handlers.length} handlers (lib/handler-bundle.ts HANDLER_BUILD_OPTIONS, FUNCTION_NODE_OPTIONS)…`);
  const t = performance.now();
  const entryPoints = Object.fromEntries(handlers.map((h) => [h, handlerEntry(h)]));
  const built = await build({ ...esbuildOptions, metafile: true, entryPoints, outdir: dir, write: true });
  const ext = esbuildOptions.outExtension?.['.js'] ?? '.js';
  const bundles = Object.fromEntries(handlers.map((h) => [h, join(dir, `${h}${ext}`)]));
  const contents = (h: string) => Object.entries(built.metafile.outputs).find(([file]) => file.endsWith(`/${h}${ext}`))?.[1].inputs ?? {};
  return { handlers, bundles, contents, buildMs: performance.now() - t };
}

/** One discarded run per bundle (file cache), then `runs` rounds over the handlers, interleaved so background noise spreads evenly. */
async function measureImports(probe: string, bundles: Record<string, string>, runs: number) {
  const handlers = Object.keys(bundles);
  progress(`cold_start: importing each bundle in a fresh process, ${runs} runs × ${handlers.length} modules…`);
  for (const h of handlers) await runProbe(probe, bundles[h]!);
  const result: Record<string, Run[]> = Object.fromEntries(handlers.map((h) => [h, []]));
  for (let r = 0; r < runs; r++) for (const h of handlers) result[h]!.push(await runProbe(probe, bundles[h]!));
  return result;
}

function handlerResult(bundle: string, runs: Run[], inputs: Metafile['outputs'][string]['inputs']) {
  const ms = runs.map((r) => r.import_ms);
  const kb = (file: string) => (existsSync(file) ? round(statSync(file).size / 1024, 1) : null);
  return {
    kb: kb(bundle), map_kb: kb(`${bundle}.map`),
    import_ms: round(median(ms), 1), import_ms_min: round(Math.min(...ms), 1), import_ms_max: round(Math.max(...ms), 1),
    process_wall_ms: round(median(runs.map((r) => r.wall_ms)), 1),
    top_packages: packagesIn(inputs),
  };
}

export async function runColdStart(options: { runs: number }) {
  const esbuildOptions: BuildOptions = { ...HANDLER_BUILD_OPTIONS, outExtension: { '.js': '.mjs' }, logLevel: 'silent' };
  const dir = mkdtempSync(join(tmpdir(), 'bmw-bench-bundles-'));
  await writePortalAssets(); // the portal handler imports its built assets
  try {
    const { handlers, bundles, contents, buildMs } = await bundleHandlers(esbuildOptions, dir);
    const probe = join(dir, 'probe.mjs');
    writeFileSync(probe, PROBE);
    // The floor of the method: an empty module, imported the same way, among the handlers.
    const empty = join(dir, 'empty.mjs');
    writeFileSync(empty, 'export const handler = async () => {};\n');
    const runs = await measureImports(probe, { ...bundles, empty }, options.runs);
    const result = Object.fromEntries(handlers.map((h) => [h, handlerResult(bundles[h]!, runs[h]!, contents(h))]));
    const slowest = handlers.reduce((a, b) => ((result[b]!.import_ms ?? 0) > (result[a]!.import_ms ?? 0) ? b : a));
    const biggest = handlers.reduce((a, b) => ((result[b]!.kb ?? 0) > (result[a]!.kb ?? 0) ? b : a));
    return {
      max_ms: result[slowest]!.import_ms, max_ms_handler: slowest, max_kb: result[biggest]!.kb, max_kb_handler: biggest, runs: options.runs, node_options: FUNCTION_NODE_OPTIONS,
      baseline_empty_module: { import_ms: round(median(runs.empty!.map((r) => r.import_ms)), 2), process_wall_ms: round(median(runs.empty!.map((r) => r.wall_ms)), 1) },
      node: process.version, build_ms: round(buildMs, 0), options_source: 'lib/handler-bundle.ts HANDLER_BUILD_OPTIONS, lib/webhook-function.ts FUNCTION_NODE_OPTIONS', esbuild_options: esbuildOptions,
      method:
        `import_ms = median of performance.now() around \`await import(bundle)\` inside a fresh \`node\` child (Node of this process) with the stack's NODE_OPTIONS (${JSON.stringify(FUNCTION_NODE_OPTIONS)}); ` +
        'process_wall_ms = spawn → exit of the child, as seen by the bench. One discarded warm-up run per bundle (OS file cache).',
      handlers: result,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
