// Stage parameters: validated context (what they change in the template: webhooks-stack.test.ts).
import { parseStageConfig } from '../../lib/stage-config.js';

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
      apiThrottleRateLimit: 100,
      apiThrottleBurstLimit: 200,
      retainData: false,
      eventArchiveRetentionDays: 30,
    });
  });

  it('retains data for live unless told otherwise, and accepts -c strings', () => {
    expect(parseStageConfig({ environment: 'live' }).retainData).toBe(true);
    expect(parseStageConfig({ environment: 'live', retainData: 'false' }).retainData).toBe(false);
    expect(parseStageConfig({ environment: 'sandbox', retainData: 'true' }).retainData).toBe(true);
    expect(parseStageConfig({ logRetentionDays: '90', deliveryMaxConcurrency: '50' })).toMatchObject({ logRetentionDays: 90, deliveryMaxConcurrency: 50 });
  });

  it('refuses bad values, naming the parameter', () => {
    expect(() => parseStageConfig({ environment: 'production' })).toThrow(/^Invalid context: environment:/);
    expect(() => parseStageConfig({ logRetentionDays: 31 })).toThrow(/^Invalid context: logRetentionDays: one of 1, 3, 5/);
    expect(() => parseStageConfig({ deliveryMaxConcurrency: 1 })).toThrow(/^Invalid context: deliveryMaxConcurrency:/);
    expect(() => parseStageConfig({ retainData: 'yes' })).toThrow(/^Invalid context: retainData:/);
    expect(() => parseStageConfig({ alarmTopicArn: 'ops-topic' })).toThrow(/^Invalid context: alarmTopicArn: an SNS topic ARN/);
    expect(() => parseStageConfig({ stackName: '1-stack' })).toThrow(/^Invalid context: stackName:/);
  });

  it('checks the retry schedule with the delivery retry policy and against the DLQ redrive', () => {
    expect(parseStageConfig({ retrySchedule: ' 5, 10 ,20' }).retrySchedule).toBe('5,10,20');
    expect(() => parseStageConfig({ retrySchedule: '5,soon' })).toThrow(/^Invalid context: retrySchedule: .*whole seconds/);
    expect(() => parseStageConfig({ retrySchedule: String(13 * 3600) })).toThrow(/^Invalid context: retrySchedule:/);
    expect(() => parseStageConfig({ retrySchedule: Array(12).fill(60).join(',') })).toThrow(/too few receives before the DLQ \(maxReceiveCount 15\)/);
  });
});
