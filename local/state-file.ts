// `$DATA_DIR/local.json`: where a running local runtime listens, for the CLIs and tests.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TableName } from '../lambdas/stores/table-definitions.js';

export type LocalState = {
  pid: number;
  api_url: string;
  events_url: string;
  dynamodb_endpoint: string;
  sqs_endpoint: string;
  region: string;
  event_bus_name: string;
  delivery_queue_url: string;
  delivery_dlq_url: string;
  slow_delivery_queue_url: string;
  slow_delivery_dlq_url: string;
  tables: Record<TableName, string>;
  dev_api_key: string;
  dev_api_secret: string;
};

export const stateFilePath = (dataDir: string) => join(dataDir, 'local.json');

export function writeLocalState(dataDir: string, state: LocalState): void {
  const path = stateFilePath(dataDir);
  writeFileSync(path, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function readLocalState(dataDir: string): LocalState {
  try {
    return JSON.parse(readFileSync(stateFilePath(dataDir), 'utf8')) as LocalState;
  } catch {
    throw new Error(`No local runtime state at ${stateFilePath(dataDir)}: start it with \`npm start\` (same DATA_DIR).`);
  }
}
