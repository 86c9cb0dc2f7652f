// The bench's eyes inside the local runtime: a middleware on every SDK client the functions'
// object graph builds (through lambdas/shared/client-hooks.ts), attached by bin/local.ts only when
// `npm run bench` starts it with BENCH_SDK_OBSERVER=1 — never in Lambda, never in `npm start`.
// - Always: AWS API calls per service and operation; SQS billed requests (64 KB chunks).
// - While capacity measurement is on: DynamoDB write and read units of each command, computed by
//   bench/capacity-units.ts from the items themselves and the table definitions (key, indexes,
//   projections) in lambdas/stores/table-definitions.ts. Writes need the item before (and, for
//   UpdateItem, after) the write: the observer reads them with consistent GetItems on a client
//   of its own (not observed), so measuring slows the runtime and is switched on only for the
//   bench's short capacity phase, never during the throughput phase.
// Snapshots: SIGUSR2 → $DATA_DIR/sdk-calls.json; the bench switches measurement on and off by
// writing $DATA_DIR/sdk-observer-control.json before the signal.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { addClientHook, type HookableClient, type SdkService } from '../lambdas/shared/client-hooks.js';
import { parseConfig } from '../lambdas/shared/config.js';
import { TABLES, type TableName } from '../lambdas/stores/table-definitions.js';
import { type AttributeValue, type CapacityTable, getItemCost, type Item, queryCost, sqsRequests, writeCost } from './capacity-units.js';

export type CapacityByResource = Record<string, { calls: number; wru: number; rru: number }>;

export type ObserverSnapshot = {
  at: number;
  measuring: boolean;
  /** AWS API calls, e.g. { "DynamoDB.PutItem": 12, "SQS.SendMessageBatch": 2 }. */
  calls: Record<string, number>;
  /** SQS requests as billed: each 64 KB chunk of a call's payload is one request. */
  sqs_billed_requests: number;
  /** DynamoDB units counted while measuring was on. */
  dynamodb: {
    wru: number;
    rru: number;
    /** By `<table>.<Operation>` and `<table>/index/<name>` (index writes; reads of an index by Query). */
    by_resource: CapacityByResource;
    /** Observed DynamoDB calls while measuring. */
    measured_calls: number;
    /** Calls whose units are estimates (filtered or projected reads, unprocessed batch items), or not priced. */
    approximations: Record<string, number>;
  };
};

type Key = Item;

const TAGS = new Set(['S', 'N', 'B', 'BOOL', 'NULL', 'L', 'M', 'SS', 'NS', 'BS']);
const isAttributeValue = (v: unknown) => !!v && typeof v === 'object' && Object.keys(v).length === 1 && TAGS.has(Object.keys(v)[0]!);

/** A plain value (what a document client's output holds) in AttributeValue form, for sizing. */
function toAttributeValue(v: unknown): AttributeValue {
  if (typeof v === 'string') return { S: v };
  if (typeof v === 'number' || typeof v === 'bigint') return { N: String(v) };
  if (typeof v === 'boolean') return { BOOL: v };
  if (v === null || v === undefined) return { NULL: true };
  if (v instanceof Uint8Array) return { B: v };
  if (Array.isArray(v)) return { L: v.map(toAttributeValue) };
  if (v instanceof Set) {
    const members = [...v];
    if (members.every((m) => typeof m === 'string')) return { SS: members };
    if (members.every((m) => m instanceof Uint8Array)) return { BS: members };
    return { NS: members.map(String) };
  }
  if (typeof v === 'object' && 'value' in v && Object.keys(v).length === 1) return { N: String((v as { value: unknown }).value) }; // NumberValue
  return { M: Object.fromEntries(Object.entries(v as object).map(([k, e]) => [k, toAttributeValue(e)])) };
}

/** Outputs reach the observer already unmarshalled when a document client sent the command. */
const asItem = (item: Record<string, unknown> | undefined): Item | undefined =>
  item && (Object.values(item).every(isAttributeValue) ? (item as Item) : (toAttributeValue(item).M as Item));
type Raw = { get(table: string, key: Key): Promise<Item | undefined> };
type Args = { input: Record<string, any> };
type Next = (args: Args) => Promise<{ output: Record<string, any> }>;

export type SdkObserver = {
  hook(client: HookableClient, service: SdkService): void;
  setMeasuring(on: boolean): void;
  snapshot(): ObserverSnapshot;
};

/** The observer over `tables` (actual table name → definition), reading before/after items with `raw`. */
export function createSdkObserver(options: { tables: () => Map<string, CapacityTable>; raw: () => Raw }): SdkObserver {
  const calls = new Map<string, number>();
  let sqsBilled = 0;
  let measuring = false;
  const dynamo = { wru: 0, rru: 0, by_resource: {} as CapacityByResource, measured_calls: 0, approximations: {} as Record<string, number> };
  const add = (resource: string, units: { wru?: number; rru?: number }, call = true) => {
    const r = (dynamo.by_resource[resource] ??= { calls: 0, wru: 0, rru: 0 });
    if (call) r.calls++;
    r.wru += units.wru ?? 0;
    r.rru += units.rru ?? 0;
    dynamo.wru += units.wru ?? 0;
    dynamo.rru += units.rru ?? 0;
  };
  const approximate = (what: string) => (dynamo.approximations[what] = (dynamo.approximations[what] ?? 0) + 1);

  const definition = (table: string): CapacityTable => {
    const d = options.tables().get(table);
    if (!d) throw new Error(`sdk-observer: table ${table} is not in lambdas/stores/table-definitions.ts`);
    return d;
  };
  const keyOf = (d: CapacityTable, item: Item): Key => ({
    [d.partitionKey]: item[d.partitionKey]!,
    ...(d.sortKey ? { [d.sortKey]: item[d.sortKey]! } : {}),
  });
  const isConditionFailure = (error: unknown) => (error as { name?: string })?.name === 'ConditionalCheckFailedException';

  /** One item write: the item before, the write, the item after; units to the table and each index. */
  const recordWrite = (table: string, op: string, before: Item | undefined, after: Item | undefined, conditionFailed = false, call = true) => {
    const cost = writeCost(definition(table), before, after, { conditionFailed });
    add(`${table}.${op}${conditionFailed ? ' (condition failed)' : ''}`, { wru: cost.table }, call);
    for (const [index, units] of Object.entries(cost.indexes)) add(`${table}/index/${index}`, { wru: units }, false);
  };

  async function measure(op: string, input: Record<string, any>, run: () => Promise<{ output: Record<string, any> }>) {
    const raw = options.raw();
    dynamo.measured_calls++;
    switch (op) {
      case 'PutItem':
      case 'UpdateItem':
      case 'DeleteItem': {
        const table = input.TableName as string;
        const key = op === 'PutItem' ? keyOf(definition(table), input.Item as Item) : (input.Key as Key);
        const before = await raw.get(table, key);
        try {
          const result = await run();
          const after = op === 'PutItem' ? (input.Item as Item) : op === 'UpdateItem' ? await raw.get(table, key) : undefined;
          recordWrite(table, op, before, after);
          return result;
        } catch (error) {
          if (isConditionFailure(error)) recordWrite(table, op, before, before, true);
          throw error;
        }
      }
      case 'BatchWriteItem': {
        const requests = Object.entries(input.RequestItems as Record<string, { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Key } }[]>).flatMap(
          ([table, list]) => list.map((r) => ({ table, put: r.PutRequest?.Item, key: r.PutRequest ? keyOf(definition(table), r.PutRequest.Item) : r.DeleteRequest!.Key })),
        );
        const befores = await Promise.all(requests.map((r) => raw.get(r.table, r.key)));
        const result = await run();
        const unprocessed = new Set(
          Object.entries((result.output.UnprocessedItems ?? {}) as Record<string, { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Key } }[]>).flatMap(([table, list]) =>
            list.map((r) => `${table} ${JSON.stringify(r.PutRequest ? keyOf(definition(table), r.PutRequest.Item) : r.DeleteRequest!.Key)}`),
          ),
        );
        if (unprocessed.size > 0) approximate('BatchWriteItem with unprocessed items (not charged)');
        const tables = new Set<string>();
        requests.forEach((r, i) => {
          if (unprocessed.has(`${r.table} ${JSON.stringify(r.key)}`)) return;
          recordWrite(r.table, 'BatchWriteItem', befores[i], r.put, false, !tables.has(r.table));
          tables.add(r.table);
        });
        return result;
      }
      case 'GetItem': {
        const result = await run();
        const projected = input.ProjectionExpression || input.AttributesToGet;
        const item = projected ? await raw.get(input.TableName, input.Key) : asItem(result.output.Item);
        add(`${input.TableName}.GetItem`, { rru: getItemCost(item, !!input.ConsistentRead) });
        return result;
      }
      case 'Query':
      case 'Scan': {
        const result = await run();
        const items = ((result.output.Items ?? []) as Record<string, unknown>[]).map((i) => asItem(i)!);
        if (input.FilterExpression || input.ProjectionExpression || input.Select === 'COUNT') approximate(`${op} with a filter or projection (units from the items returned)`);
        const resource = input.IndexName ? `${input.TableName}/index/${input.IndexName}` : input.TableName;
        add(`${resource}.${op}`, { rru: queryCost(items, !!input.ConsistentRead) });
        return result;
      }
      case 'BatchGetItem': {
        const result = await run();
        for (const [table, items] of Object.entries((result.output.Responses ?? {}) as Record<string, Record<string, unknown>[]>)) {
          const spec = (input.RequestItems as Record<string, { ConsistentRead?: boolean }>)[table];
          add(`${table}.BatchGetItem`, { rru: items.reduce((a, i) => a + getItemCost(asItem(i), !!spec?.ConsistentRead), 0) });
        }
        approximate('BatchGetItem (missing keys not charged)');
        return result;
      }
      default:
        approximate(`${op} (not priced)`);
        return run();
    }
  }

  const sqsPayload = (op: string, input: Record<string, any>, output: Record<string, any>): number => {
    const bytes = (s: unknown) => (typeof s === 'string' ? Buffer.byteLength(s) : 0);
    const attributes = (a: Record<string, { StringValue?: string }> | undefined) => Object.entries(a ?? {}).reduce((n, [k, v]) => n + bytes(k) + bytes(v.StringValue), 0);
    if (op === 'SendMessage') return bytes(input.MessageBody) + attributes(input.MessageAttributes);
    if (op === 'SendMessageBatch') return (input.Entries as { MessageBody: string; MessageAttributes?: Record<string, { StringValue?: string }> }[]).reduce((n, e) => n + bytes(e.MessageBody) + attributes(e.MessageAttributes), 0);
    if (op === 'ReceiveMessage') return ((output.Messages ?? []) as { Body?: string; MessageAttributes?: Record<string, { StringValue?: string }> }[]).reduce((n, m) => n + bytes(m.Body) + attributes(m.MessageAttributes), 0);
    return 0;
  };

  return {
    hook(client, service) {
      const middleware = (next: Next, context: { commandName?: string }) => async (args: Args) => {
        const op = context.commandName?.replace(/Command$/, '') ?? 'unknown';
        calls.set(`${service}.${op}`, (calls.get(`${service}.${op}`) ?? 0) + 1);
        if (service === 'SQS') {
          const result = await next(args);
          sqsBilled += sqsRequests(sqsPayload(op, args.input, result.output));
          return result;
        }
        if (service === 'DynamoDB' && measuring) return measure(op, args.input, () => next(args));
        return next(args);
      };
      // `build`: after serialisation, so a document client's input is already in AttributeValue form.
      client.middlewareStack.add(middleware, { step: 'build', name: 'benchSdkObserver' });
    },
    setMeasuring(on) {
      measuring = on;
    },
    snapshot: () => ({
      at: Date.now(),
      measuring,
      calls: Object.fromEntries([...calls].sort(([a], [b]) => a.localeCompare(b))),
      sqs_billed_requests: sqsBilled,
      dynamodb: structuredClone(dynamo),
    }),
  };
}

/** Reads items with a DynamoDB client of its own (consistent reads, not observed). */
export function rawReader(client: DynamoDBClient): Raw {
  return {
    get: async (table, key) => (await client.send(new GetItemCommand({ TableName: table, Key: key as never, ConsistentRead: true }))).Item as Item | undefined,
  };
}

/** The table definitions by the table names the functions' configuration gives them. */
export function tablesFromConfig(env: Record<string, string | undefined>): Map<string, CapacityTable> {
  const names = parseConfig(env).tables;
  return new Map((Object.keys(names) as TableName[]).map((t) => [names[t], TABLES[t] as CapacityTable]));
}

export const SNAPSHOT_FILE = 'sdk-calls.json';
export const CONTROL_FILE = 'sdk-observer-control.json';

/** bin/local.ts with BENCH_SDK_OBSERVER=1: observe every client, answer SIGUSR2 with a snapshot. */
export function installSdkObserver(dataDir: string): void {
  let tables: Map<string, CapacityTable> | undefined;
  let raw: Raw | undefined;
  // Both resolved on first use: the runtime sets the functions' environment (endpoints) at start.
  const observer = createSdkObserver({
    tables: () => (tables ??= tablesFromConfig(process.env)),
    raw: () => (raw ??= rawReader(new DynamoDBClient({ region: process.env.AWS_REGION, endpoint: process.env.DYNAMODB_ENDPOINT }))),
  });
  addClientHook(observer.hook);
  process.on('SIGUSR2', () => {
    const control = join(dataDir, CONTROL_FILE);
    if (existsSync(control)) {
      try {
        observer.setMeasuring((JSON.parse(readFileSync(control, 'utf8')) as { measure_capacity?: boolean }).measure_capacity === true);
      } catch {
        // being written: the bench signals again
      }
    }
    writeFileSync(join(dataDir, SNAPSHOT_FILE), JSON.stringify(observer.snapshot()));
  });
}
