// Jest's order, regrouped: the files that start processes (integration, stack, browser: seconds
// each) first; then batch-refill, whose events must arrive within a 5 s answer, beside the
// unit and contract files (under a second each); last, isolation's latency comparison, alone
// once the others have stopped loading the machine (mid-run, with more workers than cores, it
// needed a second or third try). On a first run jest has no timings and orders by file size,
// which let a long file start last and run alone at the end; with timings, jest's order (failed
// first, then slowest) holds per group.
import Sequencer from '@jest/test-sequencer';

const GROUPS = [
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
