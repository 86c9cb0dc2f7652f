// Issue 19: bytes DynamoDB stores per item (item + index entries, 100 B overhead each), from a scan of a local table.
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { TABLES, type TableName } from '../lambdas/stores/table-definitions.js';
import type { LocalState } from '../local/state-file.js';
import { DYNAMODB_ITEM_OVERHEAD_BYTES } from './all-in-cost.js';
import { type CapacityTable, indexEntry, type Item, itemSize } from '../local/capacity-units.js';
import { localClients } from './runtime.js';

export async function storedBytesPerItem(state: LocalState, table: TableName, limit = 500) {
  const { dynamodb, destroy } = localClients(state);
  try {
    const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: state.tables[table], Limit: limit }));
    const items = Items as unknown as Item[];
    const definition = TABLES[table] as CapacityTable;
    const stored = (item: Item | undefined) => (item ? itemSize(item) + DYNAMODB_ITEM_OVERHEAD_BYTES : 0);
    const indexes = definition.indexes ?? [];
    const withIndexes = (item: Item) => stored(item) + indexes.reduce((m, index) => m + stored(indexEntry(definition, index, item)), 0);
    const [n, sum] = [items.length, (size: (item: Item) => number) => items.reduce((m, item) => m + size(item), 0)];
    return { items: n, bytes_per_item: n ? sum(withIndexes) / n : Number.NaN, item_bytes_per_item: n ? sum(itemSize) / n : Number.NaN };
  } finally {
    destroy();
  }
}
