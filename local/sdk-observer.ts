// The bench's (and the call-counting tests') eyes in the local runtime: a middleware on every SDK client of the functions,
// attached by bin/local.ts only under BENCH_SDK_OBSERVER=1. Always: API calls and SQS billed requests. While capacity measurement is on, DynamoDB units
// from the items themselves; a write reads the item before (and after an update) on a client of its own, which slows the
// runtime, hence only in the short capacity phase. SIGUSR2 → $DATA_DIR/sdk-calls.json (the control file read first).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { addClientHook, type HookableClient, type SdkService } from '../lambdas/shared/client-hooks.js';
import { parseConfig } from '../lambdas/shared/config.js';
import { TABLES, type TableName } from '../lambdas/stores/table-definitions.js';
import { type AttributeValue, type CapacityTable, getItemCost, type Item, queryCost, sqsRequests, writeCost } from './capacity-units.js';

/**
 * `calls`: AWS API calls, e.g. { "DynamoDB.PutItem": 12 }; `dynamodb`: units while measuring, by `<table>.<Operation>` and
 * `<table>/index/<name>`, and `approximations`: calls whose units are estimates or not priced.
 */
export type ObserverSnapshot = ReturnType<SdkObserver['snapshot']>;
export type SdkObserver = ReturnType<typeof createSdkObserver>;

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

type Units = { calls: number; wru: number; rru: number };
type Raw = { get(table: string, key: Item): Promise<Item | undefined> };
type Input = Record<string, any>;
type Run = () => Promise<{ output: Record<string, any> }>;
type WriteRequest = { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } };

/** DynamoDB units of each command while measuring: the write and read rules of capacity-units.ts. */
class CapacityMeter {
  readonly dynamo = { wru: 0, rru: 0, by_resource: {} as Record<string, Units>, measured_calls: 0, approximations: {} as Record<string, number> };

  constructor(private readonly options: { tables: () => Map<string, CapacityTable>; raw: () => Raw }) {}

  async measure(op: string, input: Input, run: Run) {
    this.dynamo.measured_calls++;
    if (op === 'PutItem' || op === 'UpdateItem' || op === 'DeleteItem') return this.write(op, input, run);
    if (op === 'BatchWriteItem') return this.batchWrite(input, run);
    if (op === 'GetItem' || op === 'Query' || op === 'Scan' || op === 'BatchGetItem') return this.read(op, input, run);
    this.approximate(`${op} (not priced)`);
    return run();
  }

  private add(resource: string, { wru = 0, rru = 0 }: { wru?: number; rru?: number }, call = true) {
    const r = (this.dynamo.by_resource[resource] ??= { calls: 0, wru: 0, rru: 0 });
    if (call) r.calls++;
    for (const total of [r, this.dynamo]) [total.wru, total.rru] = [total.wru + wru, total.rru + rru];
  }

  private approximate(what: string) {
    this.dynamo.approximations[what] = (this.dynamo.approximations[what] ?? 0) + 1;
  }

  private definition(table: string): CapacityTable {
    const d = this.options.tables().get(table);
    if (!d) throw new Error(`sdk-observer: table ${table} is not in lambdas/stores/table-definitions.ts`);
    return d;
  }

  private keyOf(table: string, item: Item): Item {
    const d = this.definition(table);
    return { [d.partitionKey]: item[d.partitionKey]!, ...(d.sortKey ? { [d.sortKey]: item[d.sortKey]! } : {}) };
  }

  /** One item write, given the item before and after: units to the table and each index. */
  private recordWrite(table: string, op: string, before: Item | undefined, after: Item | undefined, conditionFailed = false, call = true) {
    const cost = writeCost(this.definition(table), before, after, { conditionFailed });
    this.add(`${table}.${op}${conditionFailed ? ' (condition failed)' : ''}`, { wru: cost.table }, call);
    for (const [index, units] of Object.entries(cost.indexes)) this.add(`${table}/index/${index}`, { wru: units }, false);
  }

  private async write(op: string, input: Input, run: Run) {
    const raw = this.options.raw();
    const table = input.TableName as string;
    const key = op === 'PutItem' ? this.keyOf(table, input.Item as Item) : (input.Key as Item);
    const before = await raw.get(table, key);
    try {
      const result = await run();
      this.recordWrite(table, op, before, op === 'PutItem' ? (input.Item as Item) : op === 'UpdateItem' ? await raw.get(table, key) : undefined);
      return result;
    } catch (error) {
      if ((error as { name?: string })?.name === 'ConditionalCheckFailedException') this.recordWrite(table, op, before, before, true);
      throw error;
    }
  }

  private async batchWrite(input: Input, run: Run) {
    const keyOf = (table: string, r: WriteRequest) => (r.PutRequest ? this.keyOf(table, r.PutRequest.Item) : r.DeleteRequest!.Key);
    const requests = Object.entries(input.RequestItems as Record<string, WriteRequest[]>).flatMap(([table, list]) => list.map((r) => ({ table, put: r.PutRequest?.Item, key: keyOf(table, r) })));
    const befores = await Promise.all(requests.map((r) => this.options.raw().get(r.table, r.key)));
    const result = await run();
    const unprocessedItems = Object.entries((result.output.UnprocessedItems ?? {}) as Record<string, WriteRequest[]>);
    const unprocessed = new Set(unprocessedItems.flatMap(([table, list]) => list.map((r) => `${table} ${JSON.stringify(keyOf(table, r))}`)));
    if (unprocessed.size > 0) this.approximate('BatchWriteItem with unprocessed items (not charged)');
    const tables = new Set<string>(); // one call per table
    requests.forEach((r, i) => {
      if (unprocessed.has(`${r.table} ${JSON.stringify(r.key)}`)) return;
      this.recordWrite(r.table, 'BatchWriteItem', befores[i], r.put, false, !tables.has(r.table));
      tables.add(r.table);
    });
    return result;
  }

  private async read(op: string, input: Input, run: Run) {
    const result = await run();
    const consistent = !!input.ConsistentRead;
    if (op === 'GetItem') {
      const projected = input.ProjectionExpression || input.AttributesToGet;
      const item = projected ? await this.options.raw().get(input.TableName, input.Key) : asItem(result.output.Item);
      this.add(`${input.TableName}.GetItem`, { rru: getItemCost(item, consistent) });
    } else if (op === 'BatchGetItem') {
      for (const [table, items] of Object.entries((result.output.Responses ?? {}) as Record<string, Record<string, unknown>[]>)) {
        const spec = (input.RequestItems as Record<string, { ConsistentRead?: boolean }>)[table];
        this.add(`${table}.BatchGetItem`, { rru: items.reduce((a, i) => a + getItemCost(asItem(i), !!spec?.ConsistentRead), 0) });
      }
      this.approximate('BatchGetItem (missing keys not charged)');
    } else {
      const items = ((result.output.Items ?? []) as Record<string, unknown>[]).map((i) => asItem(i)!);
      if (input.FilterExpression || input.ProjectionExpression || input.Select === 'COUNT') this.approximate(`${op} with a filter or projection (units from the items returned)`);
      this.add(`${input.IndexName ? `${input.TableName}/index/${input.IndexName}` : input.TableName}.${op}`, { rru: queryCost(items, consistent) });
    }
    return result;
  }
}

/** Payload bytes of an SQS call as billed: message bodies and attributes. */
function sqsPayload(op: string, input: Input, output: Record<string, any>): number {
  type Message = { Body?: string; MessageBody?: string; MessageAttributes?: Record<string, { StringValue?: string }> };
  const bytes = (s: unknown) => (typeof s === 'string' ? Buffer.byteLength(s) : 0);
  const size = (m: Message) => bytes(m.MessageBody ?? m.Body) + Object.entries(m.MessageAttributes ?? {}).reduce((n, [k, v]) => n + bytes(k) + bytes(v.StringValue), 0);
  const messages: Message[] = op === 'SendMessage' ? [input] : op === 'SendMessageBatch' ? input.Entries : op === 'ReceiveMessage' ? (output.Messages ?? []) : [];
  return messages.reduce((n, m) => n + size(m), 0);
}

/** The observer over `tables` (actual table name → definition), reading before/after items with `raw`. */
export function createSdkObserver(options: { tables: () => Map<string, CapacityTable>; raw: () => Raw }) {
  const calls = new Map<string, number>();
  const meter = new CapacityMeter(options);
  let sqsBilled = 0;
  let measuring = false;
  type Next = (args: { input: Input }) => ReturnType<Run>;
  const hook = (client: HookableClient, service: SdkService) => {
    const middleware = (next: Next, context: { commandName?: string }) => async (args: { input: Input }) => {
      const op = context.commandName?.replace(/Command$/, '') ?? 'unknown';
      calls.set(`${service}.${op}`, (calls.get(`${service}.${op}`) ?? 0) + 1);
      if (service === 'SQS') {
        const result = await next(args);
        sqsBilled += sqsRequests(sqsPayload(op, args.input, result.output));
        return result;
      }
      if (service === 'DynamoDB' && measuring) return meter.measure(op, args.input, () => next(args));
      return next(args);
    };
    // `build`: after serialisation, so a document client's input is already in AttributeValue form.
    client.middlewareStack.add(middleware, { step: 'build', name: 'benchSdkObserver' });
  };
  return {
    hook,
    setMeasuring: (on: boolean) => void (measuring = on),
    snapshot: () => {
      const sorted: Record<string, number> = Object.fromEntries([...calls].sort(([a], [b]) => a.localeCompare(b)));
      return { at: Date.now(), measuring, calls: sorted, sqs_billed_requests: sqsBilled, dynamodb: structuredClone(meter.dynamo) };
    },
  };
}

/** Reads items with a DynamoDB client of its own (consistent reads, not observed). */
export function rawReader(client: DynamoDBClient): Raw {
  return { get: async (table, key) => (await client.send(new GetItemCommand({ TableName: table, Key: key as never, ConsistentRead: true }))).Item as Item | undefined };
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
    try {
      if (existsSync(control)) observer.setMeasuring((JSON.parse(readFileSync(control, 'utf8')) as { measure_capacity?: boolean }).measure_capacity === true);
    } catch {} // being written: the bench signals again
    writeFileSync(join(dataDir, SNAPSHOT_FILE), JSON.stringify(observer.snapshot()));
  });
}
