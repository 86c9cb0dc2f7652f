// `npm run bench` (full) / `npm run bench -- --quick` (< 3 min): the benchmark harness of issue 6.
// Measures the local runtime (bin/local.ts as a child process) and the Lambda bundles; writes
// bench/results.json and prints a short table. Progress goes to stderr. `-- --help` for flags.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { runApi } from './api.js';
import { runColdStart } from './cold-start.js';
import { computeCost } from './cost.js';
import { progress } from './log.js';
import { parseOptions } from './options.js';
import { ROOT } from './paths.js';
import { type PipelineContext, Publisher, registerWebhooks, runPipeline, warmUp } from './pipeline.js';
import { summariseProfile } from './profile.js';
import { runRaw } from './raw.js';
import { Receivers } from './receiver.js';
import { computeChecks, renderTable, type Results, TARGETS } from './report.js';
import { type Runtime, type SdkCalls, startRuntime } from './runtime.js';
import { round } from './stats.js';

const UNLIMITED = '1000000000';

function git(): Results['git'] {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean).length;
    return { commit, dirty_files: dirty };
  } catch {
    return { commit: null, dirty_files: null };
  }
}

/** What the runtime printed while the bench ran (LOG_LEVEL=warn: warnings and errors), condensed. */
function summariseOutput(lines: string[]) {
  const levels: Record<string, number> = {};
  const messages = new Map<string, number>();
  const other: string[] = [];
  for (const line of lines) {
    if (/^(SIGTERM|SIGINT): stopping/.test(line.trim())) continue;
    try {
      const entry = JSON.parse(line) as { level?: string; message?: string; error?: unknown };
      levels[entry.level ?? '?'] = (levels[entry.level ?? '?'] ?? 0) + 1;
      const key = `${entry.level}: ${entry.message}${entry.error ? ` — ${JSON.stringify(entry.error).slice(0, 200)}` : ''}`;
      messages.set(key, (messages.get(key) ?? 0) + 1);
    } catch {
      levels.unstructured = (levels.unstructured ?? 0) + 1;
      if (other.length < 20) other.push(line.slice(0, 300));
    }
  }
  return {
    lines: lines.length,
    by_level: levels,
    messages: [...messages].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([message, count]) => ({ count, message })),
    unstructured_sample: other,
  };
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  const startedAt = performance.now();
  const runtimeEnv: Record<string, string> = {
    RATE_LIMIT_PER_SECOND: UNLIMITED,
    RATE_LIMIT_PER_MINUTE: UNLIMITED,
    MAX_WEBHOOKS_PER_PARTNER: UNLIMITED,
    ...(options.deliveryConcurrency ? { DELIVERY_CONCURRENCY: String(options.deliveryConcurrency) } : {}),
  };
  const results: Results = {
    bench: 'bench/run.ts',
    generated_at: new Date().toISOString(),
    mode: options.quick ? 'quick' : 'full',
    git: git(),
    machine: {
      cpus: cpus().length,
      cpu_model: cpus()[0]?.model ?? '?',
      node: process.version,
      loadavg_at_start: loadavg().map((l) => round(l, 2)!),
      caveat: `${cpus().length} cores shared by the runtime (API, EventBridge, fan-out, SQS emulator, DynamoDB emulator, delivery — one Node process), the receivers (one process) and the load generator; other load on the machine moves the numbers.`,
    },
    options: { ...options, sections: [...options.sections] },
    runtime_env: runtimeEnv,
    targets: TARGETS,
    checks: [],
    ratio: null,
    errors: [],
    findings: [],
  };
  const { sections } = options;

  let runtime: Runtime | undefined;
  let receivers: Receivers | undefined;
  let profileDir: string | undefined;
  let profileWindow: { startUs: number; endUs: number } | undefined;
  const cleanUp = async () => {
    await receivers?.stop().catch(() => {});
    receivers = undefined;
    if (runtime) {
      const r = runtime;
      runtime = undefined;
      const code = await r.stop();
      results.runtime_output = summariseOutput(r.lines());
      if (code !== 0) results.findings.push(`the runtime exited with code ${code} on SIGTERM (see runtime_output)`);
      const levels = results.runtime_output.by_level;
      if (Object.keys(levels).length) results.findings.push(`the runtime printed ${Object.entries(levels).map(([l, n]) => `${n} ${l}`).join(', ')} line(s) at LOG_LEVEL=warn (see runtime_output)`);
    }
  };
  let interrupted = false;
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    progress('interrupted: stopping the runtime and the receivers…');
    void cleanUp().finally(() => {
      if (profileDir) rmSync(profileDir, { recursive: true, force: true });
      process.exit(130);
    });
  });

  try {
    if (sections.has('cold_start')) {
      // First, while nothing else of the bench runs.
      results.cold_start = await runColdStart({ runs: options.coldRuns, withoutSourceMaps: !options.quick });
      progress(`cold_start: slowest import ${results.cold_start.max_ms} ms (${results.cold_start.max_ms_handler}), biggest ${results.cold_start.max_kb} KB`);
    }

    if (sections.has('pipeline') || sections.has('raw') || sections.has('api')) {
      if (options.profile) profileDir = mkdtempSync(join(tmpdir(), 'bmw-bench-profile-'));
      progress(`starting the local runtime${options.profile ? ' (with --cpu-prof)' : ''}…`);
      runtime = await startRuntime({ env: runtimeEnv, nodeFlags: profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [] });
      progress(`runtime up (pid ${runtime.pid}): API ${runtime.state.api_url}, EventBridge ${runtime.state.events_url}`);

      let secrets: string[] = [];
      if (sections.has('pipeline') || sections.has('raw')) {
        receivers = await Receivers.start(options.webhooks);
        const registered = await registerWebhooks(runtime.state, receivers, options.webhooks);
        secrets = registered.secrets;
        receivers.setSecrets(secrets);
        progress(`${options.webhooks} webhooks of partner dev registered on receivers at ports ${receivers.ports.join(', ')}`);
      }

      if (sections.has('pipeline')) {
        const publisher = new Publisher(runtime.state, options.maxInFlight);
        const ctx: PipelineContext = { runtime, receivers: receivers!, publisher, webhooks: options.webhooks };
        const warm = await warmUp(ctx);
        progress(`warm-up done: one event at a time p50 ${warm.unloaded.p50_ms} ms; PutEvents of one entry p50 ${warm.single_put_events_ms.p50_ms} ms`);
        let before: SdkCalls = {};
        let after: SdkCalls = {};
        const rt = runtime;
        const drainTimeoutS = options.drainTimeoutS || Math.max(60, Math.ceil((options.rate * options.durationS * options.webhooks) / 150));
        const pipeline = await runPipeline(ctx, { ...options, drainTimeoutS }, {
          before: async () => {
            before = await rt.sdkCalls();
            profileWindow = { startUs: Number(process.hrtime.bigint() / 1000n), endUs: 0 };
          },
          after: async () => {
            if (profileWindow) profileWindow.endUs = Number(process.hrtime.bigint() / 1000n);
            after = await rt.sdkCalls();
          },
        });
        publisher.destroy();
        results.pipeline = { ...pipeline, warm_up: warm };
        progress(
          `pipeline: ${pipeline.deliveries_per_sec} deliveries/s, p50 ${pipeline.p50_ms} ms, p99 ${pipeline.p99_ms} ms, ` +
            `${pipeline.delivered}/${pipeline.expected} delivered, ${pipeline.missing} missing`,
        );
        if (pipeline.missing > 0) results.findings.push(`${pipeline.missing} deliveries missing after the drain timeout (${pipeline.drain_timeout_s} s)`);
        if (pipeline.duplicates > 0) results.findings.push(`${pipeline.duplicates} duplicate deliveries`);
        if (pipeline.rejected_signatures > 0) results.findings.push(`${pipeline.rejected_signatures} deliveries failed signature verification`);
        if (pipeline.put_events.errors + pipeline.put_events.failed_entries > 0) {
          results.findings.push(`PutEvents: ${pipeline.put_events.errors} failed calls, ${pipeline.put_events.failed_entries} failed entries`);
        }
        if (sections.has('cost')) {
          results.cost = computeCost({
            before,
            after,
            delivered: pipeline.delivered,
            events: pipeline.offered.events - pipeline.publish_failed_events,
            webhooks: options.webhooks,
            deliveriesPerSec: pipeline.deliveries_per_sec ?? 0,
            deliveryConcurrency: options.deliveryConcurrency ?? 4,
            fanOutMs: warm.single_put_events_ms.p50_ms ?? 0,
            deliverBatchMs: options.deliverMs,
            batchWriteItemsPerDelivery: options.batchWriteItemsPerDelivery,
            batchGetItemsPerDelivery: options.batchGetItemsPerDelivery,
          });
          progress(`cost: ${results.cost.calls_per_delivery} AWS API calls per delivery, $${results.cost.usd_per_million_deliveries.total} per million deliveries`);
        }
      }

      if (sections.has('raw')) {
        results.raw = await runRaw(receivers!, secrets, { concurrency: options.rawConcurrency, durationS: options.rawDurationS });
        progress(`raw: ${results.raw.posts_per_sec} signed POSTs/s`);
      }
      if (results.pipeline?.deliveries_per_sec != null && results.raw?.posts_per_sec) {
        results.ratio = round(results.pipeline.deliveries_per_sec / results.raw.posts_per_sec, 3);
      }

      if (sections.has('api')) {
        results.api = await runApi(runtime.state, runtime.dataDir, { connections: options.apiConnections, durationS: options.apiDurationS });
      }
    }
  } catch (error) {
    results.errors.push(error instanceof Error ? error.message : String(error));
    progress(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  } finally {
    progress('stopping the runtime and the receivers…');
    await cleanUp();
    if (profileDir) {
      if (profileWindow?.endUs) {
        try {
          results.profile = summariseProfile(profileDir, profileWindow);
        } catch (error) {
          results.errors.push(`profile: ${(error as Error).message}`);
        }
      }
      rmSync(profileDir, { recursive: true, force: true });
    }
  }

  results.machine.loadavg_at_end = loadavg().map((l) => round(l, 2)!);
  results.duration_s = round((performance.now() - startedAt) / 1000, 1)!;
  results.checks = computeChecks(results);
  const out = resolve(ROOT, options.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  progress(`wrote ${out} (${results.duration_s} s in all)`);
  process.stdout.write(renderTable(results));
  process.exitCode = results.errors.length > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
