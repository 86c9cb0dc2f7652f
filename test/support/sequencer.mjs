// Jest's order, regrouped:
// - the stack's tests first: the longest file (~20 s of CPU), and on a first run, with no timings,
//   jest orders by file size, and this one is a list of imports;
// - the files that start processes (integration, the other stack files, browser: seconds each);
// - batch-refill, whose events must arrive within a 5 s answer, beside the unit and contract files
//   (under a second each);
// - last, isolation's latency comparison, alone once the others have stopped loading the machine
//   (mid-run, with more workers than cores, it needed a second or third try).
// Within a group, jest's order holds: failed first, then slowest (by size on a first run, which
// once let a long file start last and run alone at the end).
import Sequencer from '@jest/test-sequencer';

const GROUPS = [
  /\/test\/stack\/stack\.test\.ts$/,
  /\/test\/(integration|stack|browser)\/(?!isolation\.test|batch-refill\.test)/,
  /\/test\/integration\/batch-refill\.test\.ts$/,
  /\/test\/(unit|contract)\//,
  /\/test\/integration\/isolation\.test\.ts$/,
];

const group = (path) => {
  const index = GROUPS.findIndex((pattern) => pattern.test(path));
  return index === -1 ? GROUPS.length : index;
};

export default class SlowFilesFirst extends Sequencer.default {
  async sort(tests) {
    const sorted = await super.sort(tests);
    return [...GROUPS.keys(), GROUPS.length].flatMap((g) => sorted.filter((t) => group(t.path) === g));
  }
}
