// An emulator on a worker thread of its own. The local runtime is one process; with the DynamoDB
// engine (dynalite: its request handling and LevelDB, about a third of the runtime's CPU under
// load) beside the main thread instead of on it, the handlers, SDK clients and SQS emulator keep
// the main thread and the engine gets a second core. Nothing else changes: the handlers still
// talk to it over HTTP on loopback. The worker's code is plain CommonJS given as a string (it
// requires only the engine's package, resolved here), so it runs the same from source (tsx) and
// from the tests' bundle.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { IDLE_SWEEP_MS, STOP_GRACE_MS } from './loopback-server.js';

export type EngineThread = { url: string; stop(): Promise<void> };

/**
 * Starts `factory(options)` (a package exporting a function that returns an http.Server, as
 * dynalite does) on a worker thread, listening on 127.0.0.1:`port`. If the thread dies while the
 * runtime is up, `onCrash` is told (the runtime cannot go on without its engine).
 */
export function startEngineThread(packageName: string, options: Record<string, unknown>, port: number, onCrash: (error: Error) => void): Promise<EngineThread> {
  const worker = new Worker(ENGINE_WORKER, {
    eval: true,
    workerData: { modulePath: createRequire(import.meta.url).resolve(packageName), options, port, graceMs: STOP_GRACE_MS, idleSweepMs: IDLE_SWEEP_MS },
  });
  let stopping = false;
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => (stopping ? undefined : onCrash(error));
    worker.once('message', (m: { port?: number; error?: string }) => {
      // A server that could not listen (a port in use): the thread goes too, or it would keep the process alive.
      if (m.error !== undefined) return void worker.terminate().finally(() => reject(new Error(`${packageName}: ${m.error}`)));
      worker.on('error', failed);
      worker.on('exit', (code) => failed(new Error(`${packageName}'s thread exited (${code})`)));
      resolve({
        url: `http://127.0.0.1:${m.port}`,
        stop: () => {
          stopping = true;
          return new Promise<void>((done) => {
            worker.once('message', () => void worker.terminate().then(() => done()));
            worker.postMessage('stop');
          });
        },
      });
    });
    worker.once('error', reject);
  });
}

/** The worker: the same stop as loopback-server.ts (responses close their connection; idle ones are closed as they go idle). */
const ENGINE_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const server = require(workerData.modulePath)(workerData.options);
let closing = false;
server.prependListener('request', (_req, res) => { if (closing) res.setHeader('connection', 'close'); });
server.once('error', (error) => parentPort.postMessage({ error: String(error && error.message || error) }));
server.listen(workerData.port, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', () => {
  closing = true;
  const force = setTimeout(() => server.closeAllConnections(), workerData.graceMs);
  const idle = setInterval(() => server.closeIdleConnections(), workerData.idleSweepMs);
  server.close(() => {
    clearTimeout(force);
    clearInterval(idle);
    parentPort.postMessage({ stopped: true });
  });
  server.closeIdleConnections();
});
`;
