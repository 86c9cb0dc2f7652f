// Issue 19: bytes DynamoDB stores per item (item + index entries, 100 B overhead each), from a scan of a local table.
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { TABLES, type TableName } from '../lambdas/stores/table-definitions.js';
import type { LocalState } from '../local/state-file.js';
import { DYNAMODB_ITEM_OVERHEAD_BYTES } from './all-in-cost.js';
import { type CapacityTable, indexEntry, type Item, itemSize } from './capacity-units.js';
import { localClients } from './runtime.js';

export async function storedBytesPerItem(state: LocalState, table: TableName, limit = 500) {
  const { dynamodb, destroy } = localClients(state);
  try {
    const items = ((await dynamodb.send(new ScanCommand({ TableName: state.tables[table], Limit: limit }))).Items ?? []) as unknown as Item[];
    const definition = TABLES[table] as CapacityTable;
    const stored = (item: Item) => itemSize(item) + DYNAMODB_ITEM_OVERHEAD_BYTES;
    const entries = (item: Item) => (definition.indexes ?? []).map((index) => indexEntry(definition, index, item)).filter((e): e is Item => !!e);
    const total = items.reduce((n, item) => n + stored(item) + entries(item).reduce((m, e) => m + stored(e), 0), 0);
    const n = items.length;
    return { items: n, bytes_per_item: n ? total / n : Number.NaN, item_bytes_per_item: n ? items.reduce((m, i) => m + itemSize(i), 0) / n : Number.NaN };
  } finally {
    destroy();
  }
}
