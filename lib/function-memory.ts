// Each function's memory (MB), in a module without CDK so the bench's cost model reads the same
// figures as the stack (bench/cost.ts).
export const FUNCTION_MEMORY_MB = {
  /** Every function that sets none: API routes, the fan-out, the portal. */
  default: 256,
  /** Both delivery lanes: attempts in parallel, each signing and holding a TLS connection. */
  deliver: 512,
  /** CPU-bound on SDK calls (16 shards × 10 leases in flight): Lambda's CPU grows with memory. */
  sweeper: 1024,
} as const;
