// The delivery path's metrics as CloudWatch Embedded Metric Format lines: structure per the EMF
// specification, one line per batch (split only past 100 values), aggregation of outcomes.
import { deliveryMetrics, emitDeliveryMetrics } from '../../lambdas/delivery/delivery-metrics.js';
import type { DeliveryOutcome } from '../../lambdas/delivery/delivery-worker.js';
import type { DeliveryAttempt } from '../../lambdas/domain/delivery.js';
import { EMF_MAX_VALUES, emfLines } from '../../lambdas/shared/emf.js';

const attempt = (over: Partial<DeliveryAttempt>): DeliveryAttempt => ({
  id: 'd',
  webhookId: 'w',
  eventId: 'e',
  eventType: 'order.filled',
  status: 'failed',
  httpStatus: 500,
  responseTimeMs: 30,
  attemptNumber: 1,
  attemptedAt: '2026-01-01T00:00:00.000Z',
  nextRetryAt: null,
  error: null,
  ...over,
} as DeliveryAttempt);

const OUTCOMES: DeliveryOutcome[] = [
  { kind: 'succeeded', attempt: attempt({ status: 'succeeded', httpStatus: 200, responseTimeMs: 12 }), recorded: true },
  { kind: 'retry', attempt: attempt({ responseTimeMs: 40 }), parked: false },
  { kind: 'failed', attempt: attempt({ httpStatus: 410, responseTimeMs: 8 }), disabled: 'gone' },
  { kind: 'failed', attempt: attempt({ httpStatus: null, responseTimeMs: null, error: 'circuit_open' }) },
  { kind: 'dropped', reason: 'webhook_disabled' },
  { kind: 'stale' },
];

describe('deliveryMetrics', () => {
  it('counts outcomes and keeps each latency and first-receive queue lag as a sample', () => {
    const now = 1_000_000;
    const metrics = deliveryMetrics(
      [
        { receiveCount: 1, sentTimestamp: now - 250 },
        { receiveCount: 1, sentTimestamp: now - 50 },
        { receiveCount: 3, sentTimestamp: now - 60_000 }, // a retry shown again: waited on purpose
        { receiveCount: 1 }, // no SentTimestamp
      ],
      OUTCOMES,
      now,
    );
    const byName = Object.fromEntries(metrics.map((m) => [m.name, m]));
    expect(Object.fromEntries(metrics.filter((m) => m.unit === 'Count').map((m) => [m.name, m.values]))).toEqual({
      Attempts: [4],
      Succeeded: [1],
      Failed: [3],
      Exhausted: [2],
      Dropped: [1],
      Disabled: [1],
    });
    expect(byName.AttemptLatency).toEqual({ name: 'AttemptLatency', unit: 'Milliseconds', values: [12, 40, 8] });
    expect(byName.QueueLag).toEqual({ name: 'QueueLag', unit: 'Milliseconds', values: [250, 50] });
  });
});

describe('emfLines', () => {
  it('writes one line: the _aws metadata (namespace, dimension set, metric units), the dimension values and the samples', () => {
    const [line, ...more] = emfLines('NS', { Lane: 'fast' }, [
      { name: 'Attempts', unit: 'Count', values: [3] },
      { name: 'AttemptLatency', unit: 'Milliseconds', values: [5, 7] },
      { name: 'QueueLag', unit: 'Milliseconds', values: [] },
    ], 1234);
    expect(more).toEqual([]);
    expect(JSON.parse(line!)).toEqual({
      _aws: {
        Timestamp: 1234,
        CloudWatchMetrics: [{ Namespace: 'NS', Dimensions: [['Lane']], Metrics: [{ Name: 'Attempts', Unit: 'Count' }, { Name: 'AttemptLatency', Unit: 'Milliseconds' }] }],
      },
      Lane: 'fast',
      Attempts: 3,
      AttemptLatency: [5, 7],
    });
  });

  it('splits past 100 values per metric (the EMF limit), each line declaring only the metrics it carries', () => {
    const values = Array.from({ length: EMF_MAX_VALUES + 5 }, (_, i) => i);
    const lines = emfLines('NS', { Lane: 'slow' }, [
      { name: 'Attempts', unit: 'Count', values: [105] },
      { name: 'AttemptLatency', unit: 'Milliseconds', values },
    ], 1).map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0].AttemptLatency).toHaveLength(EMF_MAX_VALUES);
    expect(lines[0].Attempts).toBe(105);
    expect(lines[1]).toMatchObject({ Lane: 'slow', AttemptLatency: [100, 101, 102, 103, 104] });
    expect(lines[1].Attempts).toBeUndefined();
    expect(lines[1]._aws.CloudWatchMetrics[0].Metrics).toEqual([{ Name: 'AttemptLatency', Unit: 'Milliseconds' }]);
  });
});

describe('emitDeliveryMetrics', () => {
  it('writes one line per batch when enabled, and nothing when disabled (the local runtime)', () => {
    const lines: string[] = [];
    emitDeliveryMetrics({ enabled: false, namespace: 'NS' }, 'fast', [], OUTCOMES, (l) => lines.push(l));
    expect(lines).toEqual([]);
    emitDeliveryMetrics({ enabled: true, namespace: 'NS' }, 'fast', [{ receiveCount: 1, sentTimestamp: Date.now() }], OUTCOMES, (l) => lines.push(l));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ Lane: 'fast', Attempts: 4, _aws: { CloudWatchMetrics: [{ Namespace: 'NS' }] } });
  });
});
