// The bench's all-in cost per million deliveries (bench/all-in-cost.ts), against
// examples computed by hand at the us-east-1 list prices.
import { ALL_IN_PRICES, allInCostPerMillion, apiDestinationsPerMillion, type AllInInputs, GB } from '../../bench/all-in-cost.js';

/** One GB per million deliveries, so the byte-priced items read as their price. */
const GB_PER_MILLION = GB / 1e6; // 1073.741824 bytes

const INPUTS: AllInInputs = {
  deliverInvocationsPerDelivery: 0.1, // batches of 10
  deliverGbSecondsPerDelivery: 0.01, // 200 ms at 512 MB, per 10 deliveries
  fanOutInvocationsPerEvent: 1,
  fanOutGbSecondsPerEvent: 0.0125, // 50 ms at 256 MB
  sqsRequestsPerEvent: 1,
  sqsRequestsPerDelivery: 0.3,
  wruPerDelivery: 1,
  wruPerEvent: 3,
  rruPerDelivery: 0.5,
  rruPerEvent: 0.5,
  eventbridgeEventsPerEvent: 1,
  kmsCallsPerDelivery: 0.00037,
  logBytesPerDelivery: GB_PER_MILLION,
  logBytesPerEvent: 0,
  logRetentionDays: 30,
  storedBytesPerDelivery: GB_PER_MILLION,
  storedBytesPerEvent: 0,
  retentionDays: 30,
  pitrBytesPerDelivery: 0,
  pitrBytesPerEvent: 0,
  requestBytesPerAttempt: 1000,
  handshakeBytes: 5000,
  handshakesPerAttemptWithReuse: 0.05,
  attemptsPerDelivery: 1,
};

describe('allInCostPerMillion', () => {
  it('prices every line item at 4 webhooks per event (per-event costs divided by 4)', () => {
    const c = allInCostPerMillion(INPUTS, 4);
    expect(c.webhooks_per_event).toBe(4);
    expect(c.items.lambda_requests).toBeCloseTo(0.07, 9); // (0.1 + 1/4) × $0.20
    expect(c.items.lambda_compute).toBeCloseTo(0.175000875, 9); // (0.01 + 0.0125/4) GB-s × 1e6 × $0.0000133334
    expect(c.items.sqs).toBeCloseTo(0.22, 9); // (0.3 + 1/4) × $0.40
    expect(c.items.dynamodb_writes).toBeCloseTo(1.09375, 9); // (1 + 3/4) × $0.625
    expect(c.items.dynamodb_reads).toBeCloseTo(0.078125, 9); // (0.5 + 0.5/4) × $0.125
    expect(c.items.eventbridge).toBeCloseTo(0.25, 9); // $1.00 / 4
    expect(c.items.kms).toBeCloseTo(0.00111, 9); // 370 calls × $0.000003
    expect(c.items.logs_ingestion).toBeCloseTo(0.5, 9); // 1 GB × $0.50
    expect(c.items.logs_storage).toBeCloseTo(0.029589041, 8); // 1 GB × 720/730 month × $0.03
    expect(c.items.dynamodb_storage).toBeCloseTo(0.246575342, 8); // 1 GB × 720/730 month × $0.25
    expect(c.items.dynamodb_pitr).toBe(0);
    expect(c.items.egress).toBeCloseTo(0.10477379, 7); // (1000 + 0.05 × 5000) B × 1e6 / 2^30 × $0.09
    expect(c.egress_without_reuse).toBeCloseTo(0.50291419, 7); // 6000 B
    expect(c.total).toBeCloseTo(2.76892405, 7);
    expect(c.total_without_reuse).toBeCloseTo(2.76892405 - 0.10477379 + 0.50291419, 7);
  });

  it('at 1 webhook per event every per-event cost falls on the one delivery', () => {
    const c = allInCostPerMillion(INPUTS, 1);
    expect(c.items.lambda_requests).toBeCloseTo(0.22, 9);
    expect(c.items.lambda_compute).toBeCloseTo(0.30000150, 8);
    expect(c.items.sqs).toBeCloseTo(0.52, 9);
    expect(c.items.dynamodb_writes).toBeCloseTo(2.5, 9);
    expect(c.items.dynamodb_reads).toBeCloseTo(0.125, 9);
    expect(c.items.eventbridge).toBeCloseTo(1, 9);
    expect(c.items.egress).toBeCloseTo(0.10477379, 7); // per attempt: independent of W
    expect(c.total).toBeCloseTo(5.54704967, 7);
  });

  it('prices PITR bytes and per-event log and storage bytes', () => {
    const c = allInCostPerMillion({ ...INPUTS, logBytesPerDelivery: 0, logBytesPerEvent: 2 * GB_PER_MILLION, pitrBytesPerEvent: 2 * GB_PER_MILLION, retentionDays: 730 / 24 }, 2);
    expect(c.items.logs_ingestion).toBeCloseTo(0.5, 9); // 2 GB / 2 webhooks
    expect(c.items.dynamodb_pitr).toBeCloseTo(0.2, 9); // 1 GB-month
    expect(c.items.dynamodb_storage).toBeCloseTo(0.25, 9);
  });

  it('rejects fewer than 1 webhook per event', () => {
    expect(() => allInCostPerMillion(INPUTS, 0)).toThrow(/≥ 1/);
  });
});

describe('apiDestinationsPerMillion', () => {
  it('is $1.00 per million events shared by the targets + $0.20 per million invocations', () => {
    expect(apiDestinationsPerMillion(1)).toBeCloseTo(1.2, 9);
    expect(apiDestinationsPerMillion(4)).toBeCloseTo(0.45, 9);
    expect(ALL_IN_PRICES.eventbridge_usd_per_million_events).toBe(1);
  });
});
