// The slice of autocannon's programmatic API the bench uses (the package ships no types).
declare module 'autocannon' {
  type Histogram = { average: number; mean: number; stddev: number; min: number; max: number; total: number; p50: number; p90: number; p99: number; [k: string]: number };
  export type Result = { requests: Histogram; latency: Histogram; throughput: Histogram; errors: number; timeouts: number; non2xx: number; '2xx': number; statusCodeStats: Record<string, { count: number }>; duration: number };
  export type Options = { url: string; connections?: number; duration?: number; method?: string; headers?: Record<string, string>; body?: string; timeout?: number };
  export default function autocannon(options: Options): Promise<Result>;
}
