// Stage parameters: validated context (what they change in the template: topics/webhooks-stack.ts).
import { parseStageConfig, RESERVED_API_FUNCTIONS } from '../../lib/stage-config.js';

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:ops-pager';
const PRODUCER = 'arn:aws:iam::111122223333:role/orders-service';

describe('stage parameters', () => {
  it('defaults to a sandbox stage with the documented values', () => {
    expect(parseStageConfig({})).toEqual({
      environment: 'sandbox',
      stackName: 'BuildmarketsWebhooks',
      eventBusName: 'buildmarkets-events',
      logRetentionDays: 30,
      retrySchedule: '300,1800,7200,18000,36000',
      logLevel: 'info',
      deliveryMaxConcurrency: 10,
      slowDeliveryMaxConcurrency: 5,
      fastQueueAgeAlarmMinutes: 15,
      slowQueueAgeAlarmMinutes: 60,
      sweeperParts: 4,
      fanOutWebhookCacheMs: 0,
      deliveryWebhookCacheMs: 0,
      apiThrottleRateLimit: 100,
      apiThrottleBurstLimit: 200,
      retainData: false,
      dataKey: 'aws-owned',
      eventArchiveRetentionDays: 30,
      producerPrincipals: [],
      dynamoDbBilling: 'on-demand',
      egress: 'none',
      egressAzCount: 2,
    });
  });

  it('refuses an archive kept forever (0), naming the key', () => {
    expect(() => parseStageConfig({ eventArchiveRetentionDays: 0 })).toThrow(/^Invalid context: eventArchiveRetentionDays: 0 would keep every event/);
    expect(() => parseStageConfig({ eventArchiveRetentionDays: '0' })).toThrow(/^Invalid context: eventArchiveRetentionDays:/);
    expect(parseStageConfig({ eventArchiveRetentionDays: '1' }).eventArchiveRetentionDays).toBe(1);
  });

  it('requires the producer principals for live, and takes them as a list or a comma-separated string', () => {
    expect(() => parseStageConfig({ environment: 'live', alarmTopicArn: TOPIC })).toThrow(/^Invalid context: producerPrincipals: required for environment live/);
    const role = 'arn:aws:iam::111122223333:role/orders-service';
    const other = 'arn:aws:iam::444455556666:root';
    expect(parseStageConfig({ environment: 'live', alarmTopicArn: TOPIC, producerPrincipals: `${role}, ${other}` }).producerPrincipals).toEqual([role, other]);
    expect(parseStageConfig({ producerPrincipals: [role, role] }).producerPrincipals).toEqual([role]);
    expect(() => parseStageConfig({ producerPrincipals: 'orders-service' })).toThrow(/^Invalid context: producerPrincipals: IAM principal ARNs/);
    expect(() => parseStageConfig({ producerPrincipals: ['arn:aws:iam::111122223333:role/*'] })).toThrow(/^Invalid context: producerPrincipals:/);
  });

  it('retains data for live unless told otherwise, and accepts -c strings', () => {
    expect(parseStageConfig({ environment: 'live', alarmTopicArn: TOPIC, producerPrincipals: PRODUCER }).retainData).toBe(true);
    expect(parseStageConfig({ environment: 'live', alarmTopicArn: TOPIC, producerPrincipals: PRODUCER, retainData: 'false' }).retainData).toBe(false);
    expect(parseStageConfig({ environment: 'sandbox', retainData: 'true' }).retainData).toBe(true);
    expect(parseStageConfig({ logRetentionDays: '90', deliveryMaxConcurrency: '50' })).toMatchObject({ logRetentionDays: 90, deliveryMaxConcurrency: 50 });
  });

  it('encrypts data under the stack\'s own KMS key for live, AWS owned keys for sandbox, unless told otherwise', () => {
    const live = { environment: 'live', alarmTopicArn: TOPIC, producerPrincipals: PRODUCER };
    expect(parseStageConfig(live).dataKey).toBe('customer-managed');
    expect(parseStageConfig({ ...live, dataKey: 'aws-owned' }).dataKey).toBe('aws-owned');
    expect(parseStageConfig({ environment: 'sandbox' }).dataKey).toBe('aws-owned');
    expect(parseStageConfig({ dataKey: 'customer-managed' }).dataKey).toBe('customer-managed');
    expect(() => parseStageConfig({ dataKey: 'kms' })).toThrow(/^Invalid context: dataKey:/);
  });

  it('refuses bad values, naming the parameter', () => {
    expect(() => parseStageConfig({ environment: 'production' })).toThrow(/^Invalid context: environment:/);
    expect(() => parseStageConfig({ logRetentionDays: 31 })).toThrow(/^Invalid context: logRetentionDays: one of 1, 3, 5/);
    expect(() => parseStageConfig({ deliveryMaxConcurrency: 1 })).toThrow(/^Invalid context: deliveryMaxConcurrency:/);
    expect(() => parseStageConfig({ retainData: 'yes' })).toThrow(/^Invalid context: retainData:/);
    expect(() => parseStageConfig({ alarmTopicArn: 'ops-topic' })).toThrow(/^Invalid context: alarmTopicArn: an SNS topic ARN/);
    expect(() => parseStageConfig({ stackName: '1-stack' })).toThrow(/^Invalid context: stackName:/);
  });

  it('takes static egress with 1–3 availability zones, and refuses anything else, naming the parameter', () => {
    expect(parseStageConfig({ egress: 'static' })).toMatchObject({ egress: 'static', egressAzCount: 2 });
    expect(parseStageConfig({ egress: 'static', egressAzCount: '3' })).toMatchObject({ egress: 'static', egressAzCount: 3 });
    expect(parseStageConfig({ egress: 'none', egressAzCount: 1 })).toMatchObject({ egress: 'none', egressAzCount: 1 });
    expect(() => parseStageConfig({ egress: 'fixed' })).toThrow(/^Invalid context: egress:/);
    expect(() => parseStageConfig({ egress: 'static', egressAzCount: 0 })).toThrow(/^Invalid context: egressAzCount:/);
    expect(() => parseStageConfig({ egress: 'static', egressAzCount: 4 })).toThrow(/^Invalid context: egressAzCount:/);
  });

  it('checks the retry schedule with the delivery retry policy and against the DLQ redrive', () => {
    expect(parseStageConfig({ retrySchedule: ' 5, 10 ,20' }).retrySchedule).toBe('5,10,20');
    expect(() => parseStageConfig({ retrySchedule: '5,soon' })).toThrow(/^Invalid context: retrySchedule: .*whole seconds/);
    expect(() => parseStageConfig({ retrySchedule: String(13 * 3600) })).toThrow(/^Invalid context: retrySchedule:/);
    expect(() => parseStageConfig({ retrySchedule: Array(12).fill(60).join(',') })).toThrow(/too few receives before the DLQ \(maxReceiveCount 15\)/);
  });

  it('requires an alarm topic for live, so that alarms reach a person', () => {
    expect(() => parseStageConfig({ environment: 'live' })).toThrow(/^Invalid context: alarmTopicArn: required for environment live/);
    expect(parseStageConfig({ environment: 'live', alarmTopicArn: TOPIC, producerPrincipals: PRODUCER }).alarmTopicArn).toBe(TOPIC);
    expect(parseStageConfig({ environment: 'sandbox' }).alarmTopicArn).toBeUndefined();
  });

  it('reserves no concurrency unless told, and keeps each event source within its function\'s reservation', () => {
    const none = parseStageConfig({});
    for (const key of ['fanOutReservedConcurrency', 'deliveryReservedConcurrency', 'slowDeliveryReservedConcurrency', 'apiReservedConcurrency'] as const) {
      expect(none[key]).toBeUndefined();
    }
    expect(
      parseStageConfig({ deliveryMaxConcurrency: '30', deliveryReservedConcurrency: '30', slowDeliveryReservedConcurrency: '10', fanOutReservedConcurrency: '50', apiReservedConcurrency: '10' }),
    ).toMatchObject({ deliveryMaxConcurrency: 30, deliveryReservedConcurrency: 30, slowDeliveryMaxConcurrency: 5, slowDeliveryReservedConcurrency: 10, fanOutReservedConcurrency: 50, apiReservedConcurrency: 10 });
    expect(() => parseStageConfig({ deliveryReservedConcurrency: 5 })).toThrow(
      /^Invalid context: deliveryMaxConcurrency: 10 is above deliveryReservedConcurrency \(5\)/,
    );
    expect(() => parseStageConfig({ slowDeliveryMaxConcurrency: 8, slowDeliveryReservedConcurrency: 4 })).toThrow(/^Invalid context: slowDeliveryMaxConcurrency:/);
    expect(() => parseStageConfig({ slowDeliveryMaxConcurrency: 1 })).toThrow(/^Invalid context: slowDeliveryMaxConcurrency:/);
    expect(() => parseStageConfig({ apiReservedConcurrency: 0 })).toThrow(/^Invalid context: apiReservedConcurrency:/);
  });

  it('checks the reservations against the account quota when given: 100 must stay unreserved', () => {
    const production = { fanOutReservedConcurrency: 50, deliveryReservedConcurrency: 30, slowDeliveryReservedConcurrency: 10, apiReservedConcurrency: 10 };
    const total = 50 + 30 + 10 + 10 * RESERVED_API_FUNCTIONS;
    expect(parseStageConfig({ ...production, accountConcurrencyLimit: total + 100 }).accountConcurrencyLimit).toBe(total + 100);
    expect(() => parseStageConfig({ ...production, accountConcurrencyLimit: total + 99 })).toThrow(
      new RegExp(`^Invalid context: accountConcurrencyLimit: the reserved concurrency \\(${total},.*leaves less than 100 of ${total + 99} unreserved`),
    );
    // A new account (quota 10) with the defaults: nothing reserved, nothing to refuse.
    expect(parseStageConfig({ accountConcurrencyLimit: 10 }).accountConcurrencyLimit).toBe(10);
    expect(() => parseStageConfig({ accountConcurrencyLimit: 10, fanOutReservedConcurrency: 1 })).toThrow(/leaves less than 100 of 10 unreserved/);
  });

  it('bills DynamoDB on demand unless told, and gives provisioned capacity the documented defaults', () => {
    expect(parseStageConfig({ provisionedWriteCapacityMin: 50 })).not.toHaveProperty('provisionedCapacity');
    expect(parseStageConfig({ dynamoDbBilling: 'provisioned' }).provisionedCapacity).toEqual({
      write: { min: 5, max: 1000 },
      read: { min: 1, max: 200 },
      targetUtilizationPercent: 70,
    });
    expect(
      parseStageConfig({
        dynamoDbBilling: 'provisioned',
        provisionedWriteCapacityMin: '50',
        provisionedWriteCapacityMax: '50',
        provisionedReadCapacityMin: '2',
        provisionedReadCapacityMax: '20',
        provisionedTargetUtilization: '60',
      }),
    ).toMatchObject({ dynamoDbBilling: 'provisioned', provisionedCapacity: { write: { min: 50, max: 50 }, read: { min: 2, max: 20 }, targetUtilizationPercent: 60 } });
  });

  it('refuses a provisioned range whose minimum is above its maximum, and utilization targets outside 20-90 %', () => {
    expect(() => parseStageConfig({ dynamoDbBilling: 'provisioned', provisionedWriteCapacityMin: 2000 })).toThrow(
      /^Invalid context: provisionedWriteCapacityMin: 2000 is above provisionedWriteCapacityMax \(1000\)/,
    );
    expect(() => parseStageConfig({ dynamoDbBilling: 'provisioned', provisionedReadCapacityMax: 0 })).toThrow(/^Invalid context: provisionedReadCapacityMax:/);
    expect(() => parseStageConfig({ dynamoDbBilling: 'provisioned', provisionedReadCapacityMin: 10, provisionedReadCapacityMax: 5 })).toThrow(
      /^Invalid context: provisionedReadCapacityMin: 10 is above provisionedReadCapacityMax \(5\)/,
    );
    expect(() => parseStageConfig({ dynamoDbBilling: 'provisioned', provisionedTargetUtilization: 95 })).toThrow(/^Invalid context: provisionedTargetUtilization:/);
    expect(() => parseStageConfig({ dynamoDbBilling: 'provisioned', provisionedTargetUtilization: 10 })).toThrow(/^Invalid context: provisionedTargetUtilization:/);
    expect(() => parseStageConfig({ dynamoDbBilling: 'reserved' })).toThrow(/^Invalid context: dynamoDbBilling:/);
  });

  it('takes the queue age alarm thresholds in minutes', () => {
    expect(parseStageConfig({ fastQueueAgeAlarmMinutes: '5', slowQueueAgeAlarmMinutes: '120' })).toMatchObject({ fastQueueAgeAlarmMinutes: 5, slowQueueAgeAlarmMinutes: 120 });
    expect(() => parseStageConfig({ fastQueueAgeAlarmMinutes: 0 })).toThrow(/^Invalid context: fastQueueAgeAlarmMinutes:/);
  });
});
