// jest's node environment, plus a leak check when a test file ends: a local runtime, CLI or
// browser process that the file started and did not stop is killed, and the file fails with a
// message naming it. (Left running it would keep jest waiting when the run is in one process, or
// live on after it when in workers.)
import { fileURLToPath } from 'node:url';
import { TestEnvironment } from 'jest-environment-node';
import { descendants, killAll } from './processes.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// What the tests start: the runtime and the CLIs (node … bin/*.ts, or their prebuilt bundles in
// .test-build/), and the browser.
const STARTED_BY_TESTS = [`${ROOT}bin/`, `${ROOT}.test-build/`, 'bmw-chromium-'];

export default class Environment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.testPath = context.testPath;
  }

  async teardown() {
    await super.teardown();
    const left = descendants(process.pid).filter((p) => STARTED_BY_TESTS.some((s) => p.command.includes(s)));
    if (left.length === 0) return;
    killAll(left);
    throw new Error(
      `${this.testPath.slice(ROOT.length)} left ${left.length} process(es) running (now killed); a suite must stop what it starts, also when a test or its setup fails:\n` +
        left.map((p) => `  ${p.pid} ${p.command}`).join('\n'),
    );
  }
}
