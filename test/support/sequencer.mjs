// Jest's order, regrouped: the files that start processes (integration, stack, browser: seconds
// each) first, then the unit and contract files (under a second each), then the two whose
// assertions are about time (isolation's latency comparison, batch-refill's deliveries within a
// slow answer), which hold best once the others have stopped loading the machine (with four
// workers on 2 cores, mid-run, isolation needed a second or third try and batch-refill missed by
// 0.1 s). On a first run jest has no timings and orders by file size, which let a long file
// start last and run alone at the end; with timings, jest's order (failed first, then slowest) holds within each group.
import Sequencer from '@jest/test-sequencer';

const SLOW = /\/test\/(integration|stack|browser)\//;
const AFTER_LOAD = /\/test\/integration\/(isolation|batch-refill)\.test\.ts$/;

const group = (path) => (AFTER_LOAD.test(path) ? 2 : SLOW.test(path) ? 0 : 1);

export default class SlowFilesFirst extends Sequencer.default {
  async sort(tests) {
    const sorted = await super.sort(tests);
    return [0, 1, 2].flatMap((g) => sorted.filter((t) => group(t.path) === g));
  }
}
