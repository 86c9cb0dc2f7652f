// CloudWatch Embedded Metric Format, written by hand (one small module instead of Powertools
// Metrics; docs/delivery.md says why): a log line that CloudWatch Logs turns into metrics, so the
// functions need no cloudwatch:PutMetricData and make no extra call. Spec:
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
export type MetricUnit = 'Count' | 'Milliseconds';

/** One metric's samples; CloudWatch keeps each value, so percentiles (p99) come out right. */
export type MetricSamples = { name: string; unit: MetricUnit; values: number[] };

/** EMF allows at most 100 values per metric in one line. */
export const EMF_MAX_VALUES = 100;

/** The lines for these samples under one set of dimension values; metrics with no samples are left out. */
export function emfLines(namespace: string, dimensions: Record<string, string>, metrics: MetricSamples[], timestamp: number): string[] {
  const lines: string[] = [];
  const longest = Math.max(0, ...metrics.map((m) => m.values.length));
  for (let from = 0; from < longest; from += EMF_MAX_VALUES) {
    const part = metrics
      .map((m) => ({ ...m, values: m.values.slice(from, from + EMF_MAX_VALUES) }))
      .filter((m) => m.values.length > 0);
    const line: Record<string, unknown> = {
      _aws: {
        Timestamp: timestamp,
        CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [Object.keys(dimensions)], Metrics: part.map((m) => ({ Name: m.name, Unit: m.unit })) }],
      },
      ...dimensions,
    };
    for (const m of part) line[m.name] = m.values.length === 1 ? m.values[0] : m.values;
    lines.push(JSON.stringify(line));
  }
  return lines;
}
