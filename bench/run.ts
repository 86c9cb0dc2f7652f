// `npm run bench` [-- --quick | --help]: the benchmark harness. Runs the sections (sections.ts) in order,
// writes bench/results.json and prints a short table on stdout; progress goes to stderr.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { type Options, parseOptions } from './options.js';
import { computeChecks, renderTable, type Results, sectionSummary, TARGETS } from './report.js';
import { BenchContext, finishAllInCost, SECTION_RUNNERS, SHARED_RUNTIME_SECTIONS } from './sections.js';
import { loads, progress, ROOT, round, runProcess } from './util.js';

const UNLIMITED = '1000000000';
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function git(): Promise<Results['git']> {
  const git = (...args: string[]) => runProcess('git', args, { cwd: ROOT }).catch(() => undefined);
  const [head, status] = await Promise.all([git('rev-parse', 'HEAD'), git('status', '--porcelain')]);
  if (!head || !status) return { commit: null, dirty_files: null };
  return { commit: head.stdout.trim(), dirty_files: status.stdout.split('\n').filter(Boolean).length };
}

async function newResults(options: Options, runtimeEnv: Record<string, string>): Promise<Results> {
  const caveat = `${cpus().length} cores shared by the runtime (API, EventBridge, fan-out, SQS emulator, DynamoDB emulator, delivery — one Node process), the receivers (one process) and the load generator; other load on the machine moves the numbers.`;
  return {
    bench: 'bench/run.ts', generated_at: new Date().toISOString(), mode: options.quick ? 'quick' : 'full', git: await git(),
    machine: { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? '?', node: process.version, loadavg_at_start: loads(), caveat },
    options: { ...options, sections: [...options.sections] }, runtime_env: runtimeEnv, targets: TARGETS, checks: [], ratio: null, errors: [], findings: [],
  };
}

/** Every chosen section in order; one that throws is an error of the results, and the next one runs. */
async function runSections(ctx: BenchContext): Promise<void> {
  for (const [section, run] of Object.entries(SECTION_RUNNERS)) {
    if (!ctx.options.sections.has(section as keyof typeof SECTION_RUNNERS)) continue;
    try {
      if (!SHARED_RUNTIME_SECTIONS.has(section)) await ctx.stop();
      await run(ctx);
      const summary = sectionSummary(ctx.results, section);
      if (summary) progress(`${section} done:\n${summary}`);
    } catch (error) {
      ctx.results.errors.push(`${section}: ${message(error)}`);
      progress(`error in ${section}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  const startedAt = performance.now();
  const runtimeEnv: Record<string, string> = {
    RATE_LIMIT_PER_SECOND: UNLIMITED, RATE_LIMIT_PER_MINUTE: UNLIMITED, MAX_WEBHOOKS_PER_PARTNER: UNLIMITED,
    ...(options.deliveryConcurrency ? { DELIVERY_CONCURRENCY: String(options.deliveryConcurrency) } : {}),
  };
  const results = await newResults(options, runtimeEnv);
  const ctx = new BenchContext(options, results);
  let interrupted = false;
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    progress('interrupted: stopping the runtime and the receivers…');
    void ctx.stop().finally(() => process.exit(130));
  });
  try {
    await runSections(ctx);
  } finally {
    progress('stopping the runtime and the receivers…');
    await ctx.stop();
  }
  results.machine.loadavg_at_end = loads();
  results.duration_s = round((performance.now() - startedAt) / 1000, 1)!;
  finishAllInCost(results);
  results.checks = computeChecks(results);
  const out = resolve(ROOT, options.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  progress(`wrote ${out} (${results.duration_s} s in all)`);
  process.stdout.write(renderTable(results));
  process.exitCode = results.errors.length > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${message(error)}\n`);
  process.exit(2);
});
