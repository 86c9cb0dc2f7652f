// Jest's order, with the files that start processes (integration, stack, browser: seconds each)
// before the unit and contract files (under a second). On a first run jest has no timings and
// orders by file size, which let a long integration file start last and run alone at the end.
// With timings, jest's order (failed first, then slowest) holds within each group.
import Sequencer from '@jest/test-sequencer';

const SLOW = /\/test\/(integration|stack|browser)\//;

export default class SlowFilesFirst extends Sequencer.default {
  async sort(tests) {
    const sorted = await super.sort(tests);
    return [...sorted.filter((t) => SLOW.test(t.path)), ...sorted.filter((t) => !SLOW.test(t.path))];
  }
}
