// SPEC §9 on the real local runtime: one endpoint that accepts the connection and never answers,
// beside healthy ones under a steady load, leaves the healthy deliveries' publish → receipt p99
// within 2× of the same run's baseline (the same load without it), and every one arrives.
import { type IsolationResult, runIsolationScenario } from '../../bench/isolation.js';
import { removeDataDir, type RuntimeProcess, startRuntime } from '../support/runtime-process.js';

let rt: RuntimeProcess;
beforeAll(async () => {
  rt = await startRuntime({ env: { RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_PER_MINUTE: '1000000' } });
});
afterAll(async () => {
  expect(await rt.stop()).toBe(0);
  removeDataDir(rt.dataDir);
});

describe('isolation (SPEC §9)', () => {
  it('keeps healthy deliveries within 2× of their baseline p99 beside a black-hole endpoint, and loses none', async () => {
    const result: IsolationResult = await runIsolationScenario(rt.state, { rate: 20, seconds: 4, healthy: 4, settleTimeoutMs: 40_000 });
    // Printed for whoever reads the test log; the bench reports the same figures.
    process.stdout.write(`isolation: ${JSON.stringify(result)}\n`);
    expect(result.alone.delivered).toBe(result.alone.expected);
    expect(result.beside_bad.delivered).toBe(result.beside_bad.expected);
    expect(result.healthy_expected).toBe(2 * 80 * 4);
    // 2× the baseline, with the baseline taken as at least 100 ms: below that, scheduling jitter of
    // a shared 2-core machine (timers, GC, the other test workers) is the same size as the figure.
    expect(result.beside_bad_p99_ms).toBeLessThanOrEqual(2 * Math.max(result.alone_p99_ms, 100));
  }, 120_000);
});
