// DynamoDB and SQS billing units from the items and payloads themselves, by AWS's documented rules (item sizes, capacity
// unit consumption, GSI writes; SQS: 64 KB chunks). Pure; local/sdk-observer.ts feeds it what a command wrote or read.

export type AttributeValue = { S?: string; N?: string; B?: Uint8Array | string; BOOL?: boolean; NULL?: boolean; L?: AttributeValue[]; M?: Record<string, AttributeValue>; SS?: string[]; NS?: string[]; BS?: (Uint8Array | string)[] };
export type Item = Record<string, AttributeValue>;

/** What the unit rules need of a table (lambdas/stores/table-definitions.ts's TableDefinition fits it); an index without `projection` projects ALL. */
export type CapacityTable = {
  partitionKey: string;
  sortKey?: string;
  indexes?: readonly { name: string; partitionKey: string; sortKey?: string; projection?: 'ALL' | 'KEYS_ONLY' | { include: readonly string[] } }[];
};

export const WRITE_UNIT_BYTES = 1024;
export const READ_UNIT_BYTES = 4096;
export const SQS_CHUNK_BYTES = 64 * 1024;

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');
const binaryBytes = (b: Uint8Array | string) => (typeof b === 'string' ? Buffer.from(b, 'base64').length : b.byteLength);

/** A number's size: 1 byte per two significant digits (leading and trailing zeros trimmed) + 1 byte, which AWS calls approximate; sign and exponent not counted. */
export function numberSize(n: string): number {
  const mantissa = n.trim().replace(/^[+-]/, '').toLowerCase().split('e')[0] ?? '';
  const digits = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

/** The size of a value, without its attribute name. */
export function valueSize(v: AttributeValue): number {
  if (v.S !== undefined) return utf8(v.S);
  if (v.N !== undefined) return numberSize(v.N);
  if (v.B !== undefined) return binaryBytes(v.B);
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS) return v.SS.reduce((a, s) => a + utf8(s), 0);
  if (v.NS) return v.NS.reduce((a, s) => a + numberSize(s), 0);
  if (v.BS) return v.BS.reduce((a, b) => a + binaryBytes(b), 0);
  // List or map: 3 bytes of overhead, the elements, and 1 byte per element.
  if (v.L) return 3 + v.L.reduce((a, e) => a + valueSize(e) + 1, 0);
  if (v.M) return 3 + Object.entries(v.M).reduce((a, [k, e]) => a + utf8(k) + valueSize(e) + 1, 0);
  throw new Error(`unknown attribute value type: ${JSON.stringify(v).slice(0, 80)}`);
}

/** An item's size: the UTF-8 length of each attribute name plus its value's size. */
export const itemSize = (item: Item | undefined): number => Object.entries(item ?? {}).reduce((a, [name, v]) => a + utf8(name) + valueSize(v), 0);

export const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / WRITE_UNIT_BYTES));

/** Read units for `bytes` read in one unit of account (4 KB units, at least 1; eventually consistent: half). */
export const readUnits = (bytes: number, consistent: boolean) => Math.max(1, Math.ceil(bytes / READ_UNIT_BYTES)) * (consistent ? 1 : 0.5);

export const sqsRequests = (payloadBytes: number) => Math.max(1, Math.ceil(payloadBytes / SQS_CHUNK_BYTES));

type Index = NonNullable<CapacityTable['indexes']>[number];

/** The entry an item has in an index (its projection), or undefined where the item lacks the index key (sparse). */
export function indexEntry(table: CapacityTable, index: Index, item: Item | undefined): Item | undefined {
  if (!item || item[index.partitionKey] === undefined || (index.sortKey && item[index.sortKey] === undefined)) return undefined;
  const projection = index.projection ?? 'ALL';
  if (projection === 'ALL') return item;
  const names = [table.partitionKey, table.sortKey, index.partitionKey, index.sortKey, ...(projection === 'KEYS_ONLY' ? [] : projection.include)];
  return Object.fromEntries(names.filter((n): n is string => !!n && item[n] !== undefined).map((n) => [n, item[n]!]));
}

const same = (a: AttributeValue | undefined, b: AttributeValue | undefined) => JSON.stringify(a) === JSON.stringify(b);
const sameItem = (a: Item, b: Item) => [...new Set([...Object.keys(a), ...Object.keys(b)])].every((k) => same(a[k], b[k]));

export type WriteUnits = { table: number; indexes: Record<string, number>; total: number };

/**
 * Write units of one item write given the item before and after it (undefined: absent). The table: the larger size in
 * 1 KB units. Each index: a put when the item enters it, a delete when it leaves, both when its key changes, an update
 * (larger entry) when the entry changes, else nothing. A failed condition: the existing item's size; no index writes.
 */
export function writeCost(table: CapacityTable, before: Item | undefined, after: Item | undefined, options: { conditionFailed?: boolean } = {}): WriteUnits {
  if (options.conditionFailed) {
    const units = writeUnits(itemSize(before));
    return { table: units, indexes: {}, total: units };
  }
  const tableUnits = writeUnits(Math.max(itemSize(before), itemSize(after)));
  const indexes: Record<string, number> = {};
  let total = tableUnits;
  for (const index of table.indexes ?? []) {
    const b = indexEntry(table, index, before);
    const a = indexEntry(table, index, after);
    let units = 0;
    if (a && !b) units = writeUnits(itemSize(a));
    else if (b && !a) units = writeUnits(itemSize(b));
    else if (a && b) {
      const keyChanged = !same(a[index.partitionKey], b[index.partitionKey]) || (!!index.sortKey && !same(a[index.sortKey], b[index.sortKey]));
      if (keyChanged) units = writeUnits(itemSize(b)) + writeUnits(itemSize(a));
      else if (!sameItem(a, b)) units = writeUnits(Math.max(itemSize(a), itemSize(b)));
    }
    if (units > 0) {
      indexes[index.name] = units;
      total += units;
    }
  }
  return { table: tableUnits, indexes, total };
}

/** GetItem (and each key of a BatchGetItem): the whole item's size, however little is projected; a missing item still costs the minimum. */
export const getItemCost = (item: Item | undefined, consistent: boolean) => readUnits(itemSize(item), consistent);

/** Query and Scan: the sizes of the items read, summed, then rounded up to 4 KB (at least one unit). */
export const queryCost = (items: readonly Item[], consistent: boolean) => readUnits(items.reduce((a, i) => a + itemSize(i), 0), consistent);
