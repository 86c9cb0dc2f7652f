// Bytes DynamoDB stores per item (item + index entries, 100 B overhead each), from a scan of a local table.
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { TABLES, type TableName } from '../lambdas/stores/table-definitions.js';
import type { LocalState } from '../local/state-file.js';
import { DYNAMODB_ITEM_OVERHEAD_BYTES } from './all-in-cost.js';
import { type CapacityTable, indexEntry, type Item, itemSize } from '../local/capacity-units.js';
import { localClients } from './runtime.js';

/** The mean over up to 500 items (NaN for an empty table). */
export async function storedBytesPerItem(state: LocalState, table: TableName): Promise<number> {
  const { dynamodb, destroy } = localClients(state);
  try {
    const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: state.tables[table], Limit: 500 }));
    const definition = TABLES[table] as CapacityTable;
    const stored = (item: Item | undefined) => (item ? itemSize(item) + DYNAMODB_ITEM_OVERHEAD_BYTES : 0);
    const withIndexes = (item: Item) => stored(item) + (definition.indexes ?? []).reduce((m, index) => m + stored(indexEntry(definition, index, item)), 0);
    return (Items as unknown as Item[]).reduce((m, item) => m + withIndexes(item), 0) / Items.length;
  } finally {
    destroy();
  }
}
