// Issue 19: bytes DynamoDB stores per item of a table (item size + each index entry, + 100 bytes
// of overhead per item and per index entry, as AWS bills storage), from a scan of the local tables.
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { TABLES, type TableName } from '../lambdas/stores/table-definitions.js';
import type { LocalState } from '../local/state-file.js';
import { DYNAMODB_ITEM_OVERHEAD_BYTES } from './all-in-cost.js';
import { type CapacityTable, indexEntry, type Item, itemSize } from './capacity-units.js';

export type StoredBytes = { items: number; bytes_per_item: number; item_bytes_per_item: number };

export async function storedBytesPerItem(state: LocalState, table: TableName, limit = 500): Promise<StoredBytes> {
  const client = new DynamoDBClient({ endpoint: state.dynamodb_endpoint, region: state.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    const out = await client.send(new ScanCommand({ TableName: state.tables[table], Limit: limit }));
    const items = (out.Items ?? []) as unknown as Item[];
    const definition = TABLES[table] as CapacityTable;
    let stored = 0;
    let plain = 0;
    for (const item of items) {
      plain += itemSize(item);
      stored += itemSize(item) + DYNAMODB_ITEM_OVERHEAD_BYTES;
      for (const index of definition.indexes ?? []) {
        const entry = indexEntry(definition, index, item);
        if (entry) stored += itemSize(entry) + DYNAMODB_ITEM_OVERHEAD_BYTES;
      }
    }
    const n = items.length;
    return { items: n, bytes_per_item: n ? stored / n : Number.NaN, item_bytes_per_item: n ? plain / n : Number.NaN };
  } finally {
    client.destroy();
  }
}
