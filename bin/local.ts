// `npm start`: the whole service on this machine (see local/runtime.ts). Ctrl-C stops it cleanly.
import { join } from 'node:path';
import { parseLocalConfig } from '../local/local-config.js';
import { startLocalRuntime } from '../local/runtime.js';
import { stateFilePath } from '../local/state-file.js';
import { writePortalAssets } from '../portal/build.js';

async function main() {
  const local = parseLocalConfig(process.env);
  // `npm run bench` only: its observer on the functions' SDK clients, attached before any is built.
  if (local.benchSdkObserver) (await import('../local/sdk-observer.js')).installSdkObserver(local.dataDir);
  if (local.crashBeforeQueueSend) (await import('../local/crash-point.js')).installCrashBeforeQueueSend(local.crashBeforeQueueSend);
  // GET /portal serves what portal/ holds now. A bundle of this file (the tests' prebuilt runtime,
  // test/support/prebuilt.ts) already carries the assets it was built with: no esbuild run per start.
  if (process.env.PORTAL_ASSETS_IN_BUNDLE !== 'yes') await writePortalAssets();
  // Handlers first: a signal that comes as soon as local.json is written (a test or script that
  // stops the runtime right after it is ready) stops it cleanly once the start has finished.
  const starting = startLocalRuntime(local);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping…\n`);
    starting
      .then((runtime) => runtime.stop())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`error while stopping: ${String(error)}\n`);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const runtime = await starting;
  const { state } = runtime;
  process.stdout.write(
    [
      'Buildmarkets Webhooks — local runtime',
      `  API              ${state.api_url}`,
      `  Portal           ${state.api_url}/portal`,
      `  EventBridge      ${state.events_url} (PutEvents, bus ${state.event_bus_name})`,
      `  DynamoDB         ${state.dynamodb_endpoint} (dynalite, data in ${local.dataDir})`,
      `  SQS              ${state.sqs_endpoint} (fauxqs, data in ${join(local.dataDir, 'sqs')}; queues: fast and slow delivery lanes)`,
      `  State file       ${stateFilePath(local.dataDir)}`,
      '',
      '  Development API key (partner "dev", scopes webhooks:read,webhooks:write):',
      `    X-API-Key:    ${state.dev_api_key}`,
      `    X-API-Secret: ${state.dev_api_secret}`,
      '',
      local.allowLoopbackUrls
        ? '  ALLOW_LOOPBACK_URLS=1: http(s) webhook URLs on 127.0.0.1, localhost and [::1] are allowed for local testing.'
        : '  ALLOW_LOOPBACK_URLS=0: loopback webhook URLs are refused, as in a deployed stack.',
      '  Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );

}

main().catch((error: unknown) => {
  process.stderr.write(`Could not start the local runtime: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
