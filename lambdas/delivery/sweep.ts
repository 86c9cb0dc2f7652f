// One scheduled run of the sweeper function: re-queue parked delivery jobs that are due
// (sweeper.ts), report how far it lags (SweepLag), and finish the queueing of events whose
// fan-out died after storing them (FanOut.finishAbandoned). The handler hands in the graph
// (wiring/delivery.ts sweeperGraph).
import { randomUUID } from 'node:crypto';
import type { Config } from '../shared/config.js';
import { emfLines } from '../shared/emf.js';
import type { Logger } from '../shared/logger.js';
import type { FanOut, FinishResult } from './fan-out.js';
import { SWEEP_LAG_METRIC, type Sweeper, type SweepResult } from './sweeper.js';

export type SweeperResult = SweepResult & { fanOuts: FinishResult };

export type SweepDeps = {
  sweeper: Pick<Sweeper, 'requeueDue'>;
  fanOut: Pick<FanOut, 'finishAbandoned'>;
  logger: Logger;
  metrics: Config['metrics'];
};

export async function sweep(deps: SweepDeps): Promise<SweeperResult> {
  const { sweeper, fanOut, logger, metrics } = deps;
  const started = Date.now();
  const [result, fanOuts] = await Promise.all([sweeper.requeueDue(), fanOut.finishAbandoned(`sweeper-${randomUUID()}`)]);
  if (metrics.enabled) {
    const lag = result.oldestDueAt === undefined ? 0 : Math.max(0, started - result.oldestDueAt);
    for (const line of emfLines(metrics.namespace, { Function: 'sweeper' }, [{ name: SWEEP_LAG_METRIC, unit: 'Milliseconds', values: [lag] }], started)) {
      process.stdout.write(`${line}\n`);
    }
  }
  if (result.requeued + result.refused > 0) logger.info('sweeper re-queued parked delivery jobs', { ...result });
  if (fanOuts.finished > 0) logger.warn('sweeper finished the queueing of events whose fan-out stopped midway', { ...fanOuts });
  return { ...result, fanOuts };
}
