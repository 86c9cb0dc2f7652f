// The bench's price of DynamoDB units per delivery, on-demand and with the per-delivery tables on
// provisioned capacity (bench/cost.ts; stage option dynamoDbBilling=provisioned).
import {
  dynamodbUsdPerMillionDeliveries,
  PRICES,
  PROVISIONED_ASSUMED_UTILIZATION,
  tableOfResource,
  type UnitsByResource,
} from '../../bench/cost.js';
import { PER_DELIVERY_TABLES, type TableName } from '../../lambdas/stores/table-definitions.js';

/** The local runtime's names (lambdas/shared/config.ts defaults). */
const LOCAL: Record<TableName, string> = {
  webhooks: 'buildmarkets-webhooks',
  apiKeys: 'buildmarkets-api-keys',
  events: 'buildmarkets-events',
  fanOuts: 'buildmarkets-fan-outs',
  jobs: 'buildmarkets-delivery-jobs',
  orderedJobs: 'buildmarkets-ordered-jobs',
  endpoints: 'buildmarkets-endpoints',
  deliveries: 'buildmarkets-deliveries',
  rateLimits: 'buildmarkets-rate-limits',
  rejectedEvents: 'buildmarkets-rejected-events',
};

/** A healthy delivery to 4 webhooks per event, in the observer's resource keys. */
const UNITS: UnitsByResource = {
  'buildmarkets-deliveries.BatchWriteItem': { wru: 1, rru: 0 },
  'buildmarkets-events.PutItem': { wru: 0.25, rru: 0 },
  'buildmarkets-events.GetItem': { wru: 0, rru: 0.125 },
  'buildmarkets-webhooks.Query': { wru: 0, rru: 0.2 },
  'buildmarkets-endpoints.UpdateItem (condition failed)': { wru: 0.04, rru: 0 },
  'buildmarkets-delivery-jobs/index/due-index': { wru: 0.01, rru: null },
  'buildmarkets-delivery-jobs.UpdateItem': { wru: 0.05, rru: null },
};

const ON_DEMAND_WRU = PRICES.dynamodb_on_demand_usd_per_million_write_request_units; // per million units
const ON_DEMAND_RRU = PRICES.dynamodb_on_demand_usd_per_million_read_request_units;
/** A unit consumed each second needs 1 / utilization units provisioned for that second. */
const provisionedPerMillion = (usdPerHour: number, utilization: number) => (usdPerHour / 3600 / utilization) * 1e6;

describe('tableOfResource', () => {
  it('finds the table of operation, condition-failure and index keys', () => {
    expect(tableOfResource('buildmarkets-deliveries.BatchWriteItem', LOCAL)).toBe('deliveries');
    expect(tableOfResource('buildmarkets-events.PutItem', LOCAL)).toBe('events');
    expect(tableOfResource('buildmarkets-endpoints.UpdateItem (condition failed)', LOCAL)).toBe('endpoints');
    expect(tableOfResource('buildmarkets-delivery-jobs/index/due-index', LOCAL)).toBe('jobs');
    expect(tableOfResource('buildmarkets-delivery-jobs/index/ended-index.Query', LOCAL)).toBe('jobs');
  });

  it('matches whole names only, the longest when one name starts another', () => {
    const names = { ...LOCAL, events: 'svc-events', rejectedEvents: 'svc-events.rejected' };
    expect(tableOfResource('svc-events.rejected.PutItem', names)).toBe('rejectedEvents');
    expect(tableOfResource('svc-events.PutItem', names)).toBe('events');
    expect(tableOfResource('svc-events-archive.PutItem', names)).toBeUndefined();
    expect(tableOfResource('buildmarkets-deliveries2.PutItem', LOCAL)).toBeUndefined();
  });

  it('works with the names CloudFormation generates', () => {
    const deployed = { ...LOCAL, deliveries: 'BuildmarketsWebhooks-StateDeliveriesTableA1B2C3-1X2Y3Z', events: 'BuildmarketsWebhooks-StateEventsTableD4E5F6-9Q8R7S' };
    expect(tableOfResource('BuildmarketsWebhooks-StateEventsTableD4E5F6-9Q8R7S.PutItem', deployed)).toBe('events');
  });
});

describe('dynamodbUsdPerMillionDeliveries', () => {
  it('prices every unit on-demand when no table is provisioned', () => {
    const r = dynamodbUsdPerMillionDeliveries(UNITS, { tableNames: LOCAL, provisioned: [], utilization: 0.5 });
    expect(r.writes).toBeCloseTo((1 + 0.25 + 0.04 + 0.01 + 0.05) * ON_DEMAND_WRU, 10);
    expect(r.reads).toBeCloseTo((0.125 + 0.2) * ON_DEMAND_RRU, 10);
    expect(r.units.provisioned).toEqual({ wru: 0, rru: 0 });
    expect(r.unmatched).toEqual([]);
  });

  it('prices the deliveries and events tables at provisioned rates over the utilization, the others on-demand', () => {
    const r = dynamodbUsdPerMillionDeliveries(UNITS, { tableNames: LOCAL, provisioned: PER_DELIVERY_TABLES, utilization: 0.5 });
    const wcu = provisionedPerMillion(PRICES.dynamodb_provisioned_usd_per_wcu_hour, 0.5);
    const rcu = provisionedPerMillion(PRICES.dynamodb_provisioned_usd_per_rcu_hour, 0.5);
    expect(wcu).toBeCloseTo(0.3611, 4); // $ per million WRU consumed, against 0.625 on-demand
    expect(rcu).toBeCloseTo(0.0722, 4); // against 0.125
    expect(r.units.provisioned.wru).toBeCloseTo(1.25, 10);
    expect(r.units.provisioned.rru).toBeCloseTo(0.125, 10);
    expect(r.units.onDemand.wru).toBeCloseTo(0.1, 10);
    expect(r.units.onDemand.rru).toBeCloseTo(0.2, 10);
    expect(r.writes).toBeCloseTo(1.25 * wcu + 0.1 * ON_DEMAND_WRU, 10);
    expect(r.reads).toBeCloseTo(0.125 * rcu + 0.2 * ON_DEMAND_RRU, 10);
    expect(r.provisioned_usd_per_million.wru).toBeCloseTo(wcu, 10);
    expect(r.writes).toBeLessThan(dynamodbUsdPerMillionDeliveries(UNITS, { tableNames: LOCAL, provisioned: [], utilization: 0.5 }).writes);
  });

  it('costs less the fuller the capacity runs: at 100 % half what it costs at 50 %', () => {
    const only = { 'buildmarkets-deliveries.BatchWriteItem': { wru: 1, rru: 0 } };
    const at = (utilization: number) => dynamodbUsdPerMillionDeliveries(only, { tableNames: LOCAL, provisioned: PER_DELIVERY_TABLES, utilization }).writes;
    expect(at(1)).toBeCloseTo(at(0.5) / 2, 10);
    // Break-even against on-demand: 0.00065 $/WCU-hour / 3600 s = $0.1806 per million at 100 %, so ~29 %.
    expect(at(0.2889)).toBeLessThan(ON_DEMAND_WRU);
    expect(at(0.2888)).toBeGreaterThan(ON_DEMAND_WRU);
    expect(PROVISIONED_ASSUMED_UTILIZATION).toBe(0.5);
    expect(() => at(0)).toThrow(/utilization/);
    expect(() => at(1.5)).toThrow(/utilization/);
  });

  it('prices units of a table it does not know on-demand, and lists them', () => {
    const r = dynamodbUsdPerMillionDeliveries(
      { 'someone-else.PutItem': { wru: 2, rru: 0 }, 'buildmarkets-events.PutItem': { wru: 0.25, rru: 0 } },
      { tableNames: LOCAL, provisioned: PER_DELIVERY_TABLES, utilization: 0.5 },
    );
    expect(r.unmatched).toEqual(['someone-else.PutItem']);
    expect(r.units.onDemand.wru).toBe(2);
    expect(r.writes).toBeCloseTo(2 * ON_DEMAND_WRU + 0.25 * provisionedPerMillion(PRICES.dynamodb_provisioned_usd_per_wcu_hour, 0.5), 10);
  });
});
