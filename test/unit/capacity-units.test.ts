// The bench's cost model against AWS's documented DynamoDB and SQS billing rules (the examples
// of the developer guide's "item sizes and formats" and "read and write operations" pages).
import {
  type CapacityTable,
  getItemCost,
  indexEntry,
  type Item,
  itemSize,
  numberSize,
  queryCost,
  readUnits,
  sqsRequests,
  valueSize,
  writeCost,
  writeUnits,
} from '../../local/capacity-units.js';

const s = (S: string) => ({ S });
const n = (N: string) => ({ N });
/** An item of exactly `bytes` bytes: attribute `k` (1 byte of name) + a string value. */
const sized = (bytes: number, extra: Item = {}): Item => {
  const base = { pk: s('x'), ...extra };
  return { ...base, k: s('a'.repeat(bytes - itemSize(base) - 1)) };
};

const JOBS: CapacityTable = {
  partitionKey: 'pk',
  indexes: [{ name: 'due', partitionKey: 'bucket', sortKey: 'due_at' }],
};

describe('item size', () => {
  it('counts attribute names and string values in UTF-8 bytes', () => {
    expect(itemSize({ name: s('abc') })).toBe(4 + 3);
    expect(itemSize({ 'né': s('日本') })).toBe(3 + 6);
  });

  it('sizes numbers by significant digits: one byte per two digits plus one', () => {
    expect(numberSize('7')).toBe(2);
    expect(numberSize('123')).toBe(3);
    expect(numberSize('1234')).toBe(3);
    expect(numberSize('1700000000000')).toBe(numberSize('17')); // trailing zeros trimmed
    expect(numberSize('0.00125')).toBe(numberSize('125')); // leading zeros and the point trimmed
    expect(numberSize('-12.5')).toBe(3);
    expect(numberSize('12345678901234567890123456789012345678')).toBe(20); // 38 digits
  });

  it('sizes binary by raw bytes (not base64), booleans and nulls as one byte', () => {
    expect(valueSize({ B: new Uint8Array(10) })).toBe(10);
    expect(valueSize({ B: Buffer.from('0123456789').toString('base64') })).toBe(10);
    expect(itemSize({ ok: { BOOL: true }, no: { NULL: true } })).toBe(2 + 1 + 2 + 1);
  });

  it('gives lists and maps 3 bytes of overhead plus 1 byte per element', () => {
    expect(valueSize({ L: [] })).toBe(3);
    expect(valueSize({ M: {} })).toBe(3);
    expect(valueSize({ L: [s('ab'), n('1')] })).toBe(3 + (2 + 1) + (2 + 1));
    expect(valueSize({ M: { a: s('xy'), b: { M: { c: { BOOL: false } } } } })).toBe(3 + (1 + 2 + 1) + (1 + (3 + 1 + 1 + 1) + 1));
  });

  it('sizes sets as the sum of their members', () => {
    expect(valueSize({ SS: ['a', 'bc'] })).toBe(3);
    expect(valueSize({ NS: ['1', '22'] })).toBe(4);
  });
});

describe('read units', () => {
  it('rounds reads up to 4 KB: a 3,500-byte item costs what a 4 KB item costs', () => {
    expect(getItemCost(sized(3500), true)).toBe(1);
    expect(getItemCost(sized(4096), true)).toBe(1);
    expect(getItemCost(sized(4097), true)).toBe(2);
  });

  it('charges a 10 KB item as 12 KB: 3 units strongly consistent, half eventually consistent', () => {
    expect(getItemCost(sized(10 * 1024), true)).toBe(3);
    expect(getItemCost(sized(10 * 1024), false)).toBe(1.5);
    expect(getItemCost(sized(8 * 1024), false)).toBe(1); // "8 KB: 1 unit eventually consistent"
  });

  it('charges a missing item the minimum read', () => {
    expect(getItemCost(undefined, true)).toBe(1);
    expect(getItemCost(undefined, false)).toBe(0.5);
  });

  it('rounds each item of a batch get (1.5 KB + 6.5 KB → 12 KB) but sums a query first (→ 8 KB)', () => {
    const items = [sized(1536), sized(6656)];
    expect(items.reduce((a, i) => a + getItemCost(i, true), 0)).toBe(3);
    expect(queryCost(items, true)).toBe(2);
  });

  it('charges a query of many small items by their total size, at least one unit', () => {
    expect(queryCost(Array.from({ length: 100 }, () => sized(40)), true)).toBe(1);
    expect(queryCost([], false)).toBe(0.5);
    expect(readUnits(4096 * 2 + 1, false)).toBe(1.5);
  });
});

describe('write units', () => {
  it('rounds writes up to 1 KB: a 1.5 KB item costs 2 units, a 500-byte item 1', () => {
    expect(writeUnits(1536)).toBe(2);
    expect(writeCost(JOBS, undefined, sized(500))).toEqual({ table: 1, indexes: {}, total: 1 });
    expect(writeCost(JOBS, undefined, sized(1024)).total).toBe(1);
    expect(writeCost(JOBS, undefined, sized(1025)).total).toBe(2);
  });

  it('charges an update (or a replacing put) on the larger of the item before and after', () => {
    expect(writeCost(JOBS, sized(3000), sized(200)).table).toBe(3);
    expect(writeCost(JOBS, sized(200), sized(2100)).table).toBe(3);
  });

  it('charges a delete by the deleted item, and a delete of nothing the minimum', () => {
    expect(writeCost(JOBS, sized(2048), undefined).total).toBe(2);
    expect(writeCost(JOBS, undefined, undefined).total).toBe(1);
  });

  it('charges a failed conditional write the existing item, or 1 unit, and no index write', () => {
    const pending = sized(1500, { bucket: s('p'), due_at: n('1') });
    expect(writeCost(JOBS, pending, pending, { conditionFailed: true })).toEqual({ table: 2, indexes: {}, total: 2 });
    expect(writeCost(JOBS, undefined, pending, { conditionFailed: true }).total).toBe(1);
  });

  it('adds a write to each index the new item lands in, sized by the projection', () => {
    const pending = sized(1500, { bucket: s('p'), due_at: n('1') });
    expect(writeCost(JOBS, undefined, pending)).toEqual({ table: 2, indexes: { due: 2 }, total: 4 });
    const keysOnly: CapacityTable = { ...JOBS, indexes: [{ ...JOBS.indexes![0]!, projection: 'KEYS_ONLY' }] };
    expect(indexEntry(keysOnly, keysOnly.indexes![0]!, pending)).toEqual({ pk: s('x'), bucket: s('p'), due_at: n('1') });
    expect(writeCost(keysOnly, undefined, pending)).toEqual({ table: 2, indexes: { due: 1 }, total: 3 });
  });

  it('writes nothing to a sparse index the item is not in', () => {
    expect(writeCost(JOBS, undefined, sized(100, { bucket: s('p') })).indexes).toEqual({}); // no sort key: not indexed
  });

  it('charges a delete and a put when an index key changes, one delete when the item leaves the index', () => {
    const before = sized(300, { bucket: s('p'), due_at: n('1') });
    const moved = { ...before, due_at: n('2') };
    expect(writeCost(JOBS, before, moved)).toEqual({ table: 1, indexes: { due: 2 }, total: 3 });
    const { bucket: _b, due_at: _d, ...done } = before;
    expect(writeCost(JOBS, before, done)).toEqual({ table: 1, indexes: { due: 1 }, total: 2 });
  });

  it('updates an index entry in place when only projected attributes change, and not at all otherwise', () => {
    const before = sized(300, { bucket: s('p'), due_at: n('1') });
    expect(writeCost(JOBS, before, { ...before, k: s('changed') }).indexes).toEqual({ due: 1 });
    const keysOnly: CapacityTable = { ...JOBS, indexes: [{ ...JOBS.indexes![0]!, projection: { include: ['other'] } }] };
    expect(writeCost(keysOnly, before, { ...before, k: s('changed') }).indexes).toEqual({});
  });
});

describe('SQS requests', () => {
  it('bills each 64 KB chunk of a payload as one request', () => {
    expect(sqsRequests(0)).toBe(1);
    expect(sqsRequests(64 * 1024)).toBe(1);
    expect(sqsRequests(64 * 1024 + 1)).toBe(2);
    expect(sqsRequests(256 * 1024)).toBe(4);
  });
});
