// `npm test`: the two type checks (service and portal) and jest, at the same time — TypeScript 7's
// native tsc takes ~8 s of CPU for both (5.9 took ~27 s), which jest's workers, often waiting on
// child processes and timers, leave free. Fails when any of them fails; the type checks' output comes after jest's.
// Arguments go to jest (`npm test -- test/unit`).
import { spawn } from 'node:child_process';

const node = process.execPath;

/** Runs a command; resolves with its exit code and, unless `inherit`, its output. */
function run(args, { inherit = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(node, args, { stdio: inherit ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
    const output = [];
    child.stdout?.on('data', (c) => output.push(c));
    child.stderr?.on('data', (c) => output.push(c));
    child.on('error', (error) => output.push(Buffer.from(String(error))));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output: Buffer.concat(output).toString('utf8') }));
  });
}

const TSC = 'node_modules/typescript/bin/tsc';
// Incremental: the last check's results are kept in .test-build/ (git-ignored) and only what changed
// since is checked again (~5 s of CPU instead of ~10 when little has), at the start of the run,
// where the first test files want the cores too. `npm run typecheck` still checks from scratch.
const incremental = (name) => ['--incremental', '--tsBuildInfoFile', `.test-build/tsc-${name}.tsbuildinfo`];
const [service, portal, jest] = await Promise.all([
  run([TSC, '--noEmit', ...incremental('service')]),
  run([TSC, '--noEmit', '-p', 'portal', ...incremental('portal')]),
  run(['--experimental-vm-modules', '--disable-warning=ExperimentalWarning', 'node_modules/jest/bin/jest.js', ...process.argv.slice(2)], { inherit: true }),
]);
for (const [name, result] of [['tsc (service)', service], ['tsc (portal)', portal]]) {
  if (result.code !== 0) process.stderr.write(`\n${name} failed:\n${result.output}\n`);
  else process.stdout.write(`${name}: no type errors\n`);
}
process.exit(service.code || portal.code || jest.code);
