// Where the CLIs act: the running local runtime (from `$DATA_DIR/local.json`), or — with
// `--stack` or `--use-aws` — the AWS account of the usual AWS environment (see README).
import { resolve } from 'node:path';
import { readLocalState } from '../local/state-file.js';

export type CliTarget = {
  region?: string;
  dynamodbEndpoint?: string;
  eventsEndpoint?: string;
  tables: { apiKeys: string };
  eventBusName: string;
  /** Static credentials for the local emulators; undefined = the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
};

export function localTarget(dataDir = process.env.DATA_DIR ?? '.data'): CliTarget {
  const state = readLocalState(resolve(dataDir));
  return {
    region: state.region,
    dynamodbEndpoint: state.dynamodb_endpoint,
    eventsEndpoint: state.events_url,
    tables: { apiKeys: state.tables.apiKeys },
    eventBusName: state.event_bus_name,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
}

/** Prints one JSON document on stdout (the CLIs' output contract) . */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}
