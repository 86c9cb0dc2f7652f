// Jest's order, regrouped: the files that start processes (integration, stack, browser: seconds
// each) first, then the unit and contract files (under a second each), then the latency
// comparison (isolation), which measures best once the others have stopped loading the machine
// (in the middle of a run it needed its second or third try more often). On a first run
// jest has no timings and orders by file size, which let a long file start last and run alone
// at the end; with timings, jest's order (failed first, then slowest) holds within each group.
import Sequencer from '@jest/test-sequencer';

const SLOW = /\/test\/(integration|stack|browser)\//;
const AFTER_LOAD = /\/test\/integration\/isolation\.test\.ts$/;

const group = (path) => (AFTER_LOAD.test(path) ? 2 : SLOW.test(path) ? 0 : 1);

export default class SlowFilesFirst extends Sequencer.default {
  async sort(tests) {
    const sorted = await super.sort(tests);
    return [0, 1, 2].flatMap((g) => sorted.filter((t) => group(t.path) === g));
  }
}
