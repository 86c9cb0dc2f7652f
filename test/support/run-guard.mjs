// Jest reporter (runs in jest's main process) that keeps a test run from hanging, and prints the
// slowest test files.
// - A test file still running after `fileLimitSeconds` ends the run: jest's per-test and per-hook
//   timeouts bound a test, nothing bounds a file stuck outside them.
// - A run whose results are in but whose process has not exited `exitGraceSeconds` later (a file
//   left a server, timer or child process running, so jest waits on it forever) ends too.
// Either way it prints what it found, kills the processes jest started (workers, and whatever
// they started: runtimes, browsers) and exits with code 1.
import { relative } from 'node:path';
import { descendants, killAll } from './processes.mjs';

export default class RunGuard {
  constructor(globalConfig, options = {}) {
    this.rootDir = globalConfig.rootDir;
    this.fileLimitMs = (options.fileLimitSeconds ?? 300) * 1000;
    this.exitGraceMs = (options.exitGraceSeconds ?? 15) * 1000;
    this.slowest = options.slowest ?? 8;
    this.running = new Map();
    this.durations = [];
  }

  onTestFileStart(test) {
    const file = relative(this.rootDir, test.path);
    const timer = setTimeout(
      () => end(`run guard: ${file} has run for ${this.fileLimitMs / 1000} s without finishing (a hang outside any test's timeout?)`),
      this.fileLimitMs,
    );
    timer.unref();
    this.running.set(test.path, { started: Date.now(), timer });
  }

  onTestFileResult(test, result) {
    const entry = this.running.get(test.path);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.running.delete(test.path);
    const { start, end: finish } = result.perfStats ?? {};
    this.durations.push({ file: relative(this.rootDir, test.path), ms: start && finish ? finish - start : Date.now() - entry.started });
  }

  onRunComplete(_contexts, results) {
    if (this.slowest > 0 && this.durations.length > 1) {
      const lines = this.durations
        .sort((a, b) => b.ms - a.ms)
        .slice(0, this.slowest)
        .map(({ file, ms }) => `  ${(ms / 1000).toFixed(1).padStart(6)} s  ${file}`);
      process.stderr.write(`Slowest test files:\n${lines.join('\n')}\n`);
    }
    // Unref'd: when nothing else keeps the process alive it exits as usual and this never fires.
    const timer = setTimeout(() => {
      const handles = process.getActiveResourcesInfo().filter((r) => r !== 'Timeout');
      end(
        `run guard: the tests ${results.success ? 'passed' : 'finished'} but jest has not exited ${this.exitGraceMs / 1000} s later: ` +
          `a test file left something running (main process: ${handles.join(', ') || 'no handle'}). ` +
          'Find it with `npm test -- --detectOpenHandles <file>`; a suite must stop what it starts, also when its setup fails.',
      );
    }, this.exitGraceMs);
    timer.unref();
  }
}

function end(message) {
  const children = descendants(process.pid);
  process.stderr.write(`\n${message}\n`);
  if (children.length > 0) {
    process.stderr.write(`run guard: killing the processes this run started:\n${children.map((c) => `  ${c.pid} ${c.command}`).join('\n')}\n`);
  }
  killAll(children);
  process.exit(1);
}
